package api

import (
	"net/http"

	"github.com/guichet-qc/guichet/internal/httpx"
)

// obj is a JSON object of the OpenAPI document.
type obj = map[string]any

// problemResponse is the OpenAPI response for an error status.
func problemResponse(desc string) obj {
	return obj{"description": desc, "content": obj{"application/problem+json": obj{"schema": obj{"$ref": "#/components/schemas/Problem"}}}}
}

func jsonResponse(desc, schemaRef string) obj {
	return obj{"description": desc, "content": obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/" + schemaRef}}}}
}

var langParam = obj{"name": "lang", "in": "query", "required": false,
	"description": "Language of messages (fr or en); default from Accept-Language, then French.",
	"schema":      obj{"type": "string", "enum": []string{"fr", "en"}}}

// Document is the OpenAPI 3.1 description of the API. A test checks that its
// paths and methods are exactly the registered API routes.
func Document() obj {
	return obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":       "Guichet API",
			"version":     "1",
			"description": "Québec digital public services: catalogue, appointments, assistant and the verifiable audit log. Errors are RFC 9457 problem details with a localized detail.",
			"license":     obj{"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
		},
		"servers": []obj{{"url": "/"}},
		"paths": obj{
			"/api/v1/openapi.json": obj{"get": obj{
				"operationId": "getOpenAPI", "summary": "This document.",
				"responses": obj{"200": obj{"description": "The OpenAPI document.", "content": obj{"application/json": obj{"schema": obj{"type": "object"}}}}},
			}},
			"/api/v1/audit/checkpoint": obj{"get": obj{
				"operationId": "getAuditCheckpoint", "summary": "The latest signed checkpoint of the audit log and its public key.",
				"parameters": []obj{langParam},
				"responses": obj{
					"200": jsonResponse("The latest checkpoint.", "Checkpoint"),
					"404": problemResponse("No checkpoint has been signed yet."),
				},
			}},
			"/api/v1/audit/entries/{seq}/proof": obj{"get": obj{
				"operationId": "getAuditInclusionProof", "summary": "Inclusion proof of one entry against a signed checkpoint.",
				"parameters": []obj{
					{"name": "seq", "in": "path", "required": true, "description": "Position of the entry in the log (from 0).", "schema": obj{"type": "integer", "minimum": 0}},
					{"name": "size", "in": "query", "required": false, "description": "Size of the checkpoint to prove against; default the latest.", "schema": obj{"type": "integer", "minimum": 1}},
					langParam,
				},
				"responses": obj{
					"200": jsonResponse("The record hash of the entry and the proof.", "InclusionProof"),
					"404": problemResponse("No such entry or checkpoint."),
					"422": problemResponse("A parameter is malformed."),
				},
			}},
		},
		"components": obj{"schemas": obj{
			"Problem": obj{"type": "object", "required": []string{"type", "title", "status", "detail", "code"}, "properties": obj{
				"type": obj{"type": "string"}, "title": obj{"type": "string"}, "status": obj{"type": "integer"},
				"detail":   obj{"type": "string", "description": "What went wrong and how to fix it, in the requested language."},
				"instance": obj{"type": "string"}, "code": obj{"type": "string", "enum": []string{"invalid", "not_found", "conflict", "unauthorized", "forbidden", "too_many", "unavailable", "internal"}},
				"field": obj{"type": "string"}, "request_id": obj{"type": "string"},
			}},
			"Checkpoint": obj{"type": "object", "required": []string{"tree_size", "root_hash", "note", "signed_at", "public_key"}, "properties": obj{
				"tree_size": obj{"type": "integer"}, "root_hash": obj{"type": "string", "description": "Base64 SHA-256 Merkle root."},
				"note":      obj{"type": "string", "description": "The signed note (golang.org/x/mod/sumdb/note format)."},
				"signed_at": obj{"type": "string", "format": "date-time"}, "public_key": obj{"type": "string", "description": "Verifier key of the note signature."},
			}},
			"InclusionProof": obj{"type": "object", "required": []string{"seq", "record_hash", "tree_size", "proof", "checkpoint"},
				"description": "Proves that the entry at seq, whose record hash is given, is in the tree of the signed checkpoint. The entry itself is shown only to the people it concerns.",
				"properties": obj{
					"seq":         obj{"type": "integer"},
					"record_hash": obj{"type": "string"}, "tree_size": obj{"type": "integer"},
					"proof":      obj{"type": "array", "items": obj{"type": "string"}},
					"checkpoint": obj{"type": "string", "description": "The signed note of the checkpoint proved against."},
				}},
		}},
	}
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) error {
	httpx.WriteJSON(w, http.StatusOK, Document())
	return nil
}
