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
			"/api/v1/services": obj{"get": obj{
				"operationId": "searchServices", "summary": "Search the services by free text (French or English, accents optional, typos tolerated), best first; without q, every service.",
				"parameters": []obj{
					{"name": "q", "in": "query", "required": false, "description": "What the person is looking for, e.g. « carte soleil » or \"driving test\".", "schema": obj{"type": "string", "maxLength": 200}},
					langParam,
				},
				"responses": obj{
					"200": jsonResponse("Matching services, best first.", "ServiceList"),
					"422": problemResponse("The query is too long."),
				},
			}},
			"/api/v1/services/{id}": obj{"get": obj{
				"operationId": "getService", "summary": "One service: how to do it (online first), documents, organization.",
				"parameters": []obj{{"name": "id", "in": "path", "required": true, "schema": obj{"type": "string"}, "description": "Service id, e.g. ramq-carte-renouvellement."}, langParam},
				"responses": obj{
					"200": jsonResponse("The service.", "Service"),
					"404": problemResponse("No such service."),
				},
			}},
			"/api/v1/service-points": obj{"get": obj{
				"operationId": "nearestServicePoints", "summary": "Service points nearest to a place, optionally offering a service, nearest first.",
				"parameters": []obj{
					{"name": "near", "in": "query", "required": true, "description": "A postal code (H3A 1B9), an FSA (H3A), a municipality (any case, accents optional) or lat,lon.", "schema": obj{"type": "string"}},
					{"name": "service", "in": "query", "required": false, "description": "Only points offering this service id.", "schema": obj{"type": "string"}},
					{"name": "limit", "in": "query", "required": false, "schema": obj{"type": "integer", "minimum": 1, "maximum": 100, "default": 10}},
					langParam,
				},
				"responses": obj{
					"200": jsonResponse("The origin the place resolved to, and the points.", "ServicePointList"),
					"422": problemResponse("Unknown place (with close spellings suggested), unknown service or bad limit."),
				},
			}},
			"/api/v1/service-points/{id}": obj{"get": obj{
				"operationId": "getServicePoint", "summary": "One service point with this week's hours and upcoming closures.",
				"parameters": []obj{{"name": "id", "in": "path", "required": true, "schema": obj{"type": "string"}}, langParam},
				"responses": obj{
					"200": jsonResponse("The service point.", "ServicePointDetail"),
					"404": problemResponse("No such service point."),
				},
			}},
			"/api/v1/service-points/{id}/availability": obj{"get": obj{
				"operationId": "getAvailability", "summary": "Bookable slots of a service at a service point, with the places left, in the point's time zone.",
				"parameters": []obj{
					{"name": "id", "in": "path", "required": true, "schema": obj{"type": "string"}},
					{"name": "service", "in": "query", "required": true, "schema": obj{"type": "string"}},
					{"name": "from", "in": "query", "required": false, "description": "RFC 3339 time or YYYY-MM-DD (midnight in the point's zone); default now.", "schema": obj{"type": "string"}},
					{"name": "to", "in": "query", "required": false, "description": "RFC 3339 time or YYYY-MM-DD; default from + 7 days; at most 31 days after from.", "schema": obj{"type": "string"}},
					langParam,
				},
				"responses": obj{
					"200": jsonResponse("The slots, earliest first.", "Availability"),
					"404": problemResponse("No such service point."),
					"422": problemResponse("Unknown service, service not offered here, or bad dates."),
				},
			}},
			"/api/v1/appointments": obj{"post": obj{
				"operationId": "bookAppointment", "summary": "Book an appointment. Capacity is enforced by the database: the last place cannot be given twice.",
				"parameters": []obj{
					{"name": "Idempotency-Key", "in": "header", "required": false, "description": "Makes a retry safe: the same key with the same body returns the original answer; with another body, 422.", "schema": obj{"type": "string", "maxLength": 200}},
					langParam,
				},
				"requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/BookingRequest"}}}},
				"responses": obj{
					"201": jsonResponse("Booked: the reference and the manage token (keep it: it is not stored).", "Appointment"),
					"409": problemResponse("The slot is full, or the person already has an active booking for this service."),
					"422": problemResponse("Malformed JSON, unknown service or point, a start that is not an available slot or is in the past, missing contact."),
				},
			}},
			"/api/v1/appointments/{ref}": obj{"get": obj{
				"operationId": "getAppointment", "summary": "An appointment, for the holder of its manage token.",
				"parameters": []obj{
					{"name": "ref", "in": "path", "required": true, "schema": obj{"type": "string", "example": "RV-7K3M9P"}},
					{"name": "X-Manage-Token", "in": "header", "required": true, "schema": obj{"type": "string"}},
					langParam,
				},
				"responses": obj{
					"200": jsonResponse("The appointment.", "Appointment"),
					"401": problemResponse("No manage token."),
					"404": problemResponse("No appointment with this reference and token."),
				},
			}},
			"/api/v1/appointments/{ref}/cancel": obj{"post": obj{
				"operationId": "cancelAppointment", "summary": "Cancel an appointment; its place is available at once.",
				"parameters":  []obj{{"name": "ref", "in": "path", "required": true, "schema": obj{"type": "string"}}, langParam},
				"requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/ManageRequest"}}}},
				"responses": obj{
					"200": jsonResponse("The cancelled appointment.", "Appointment"),
					"401": problemResponse("No manage token."),
					"404": problemResponse("No appointment with this reference and token."),
					"409": problemResponse("Already cancelled or over."),
				},
			}},
			"/api/v1/appointments/{ref}/reschedule": obj{"post": obj{
				"operationId": "rescheduleAppointment", "summary": "Move an appointment to another slot, atomically: if the new slot is full, it stays where it was.",
				"parameters":  []obj{{"name": "ref", "in": "path", "required": true, "schema": obj{"type": "string"}}, langParam},
				"requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": obj{"$ref": "#/components/schemas/ManageRequest"}}}},
				"responses": obj{
					"200": jsonResponse("The moved appointment.", "Appointment"),
					"401": problemResponse("No manage token."),
					"404": problemResponse("No appointment with this reference and token."),
					"409": problemResponse("The new slot is full, or the appointment is no longer active."),
					"422": problemResponse("The new start is not an available slot."),
				},
			}},
			"/api/v1/assistant/conversations": obj{"post": obj{
				"operationId": "startConversation", "summary": "Start a conversation with the bilingual assistant; the answer holds its greeting.",
				"requestBody": obj{"required": false, "content": obj{"application/json": obj{"schema": obj{"type": "object", "properties": obj{
					"lang": obj{"type": "string", "enum": []string{"fr", "en"}}}}}}},
				"responses": obj{
					"201": jsonResponse("The conversation id and the assistant's first messages.", "Conversation"),
					"422": problemResponse("Malformed body or unknown language."),
				},
			}},
			"/api/v1/assistant/conversations/{id}/messages": obj{"post": obj{
				"operationId": "sendMessage", "summary": "Send a message (text, or the id of a proposed choice; a choice can also be picked by its number or label in text).",
				"parameters": []obj{{"name": "id", "in": "path", "required": true, "schema": obj{"type": "string"}}, langParam},
				"requestBody": obj{"required": true, "content": obj{"application/json": obj{"schema": obj{"type": "object", "properties": obj{
					"text": obj{"type": "string", "maxLength": 2000}, "choice": obj{"type": "string"}}}}}},
				"responses": obj{
					"200": jsonResponse("The assistant's (or agent's) messages, what was understood, and what the turn did.", "Turn"),
					"404": problemResponse("No such conversation (or it expired)."),
					"409": problemResponse("Another message of the conversation is being handled."),
					"422": problemResponse("Empty or too long message, or malformed body."),
				},
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
			"OrganizationRef": obj{"type": "object", "required": []string{"id", "name"}, "properties": obj{
				"id": obj{"type": "string"}, "name": obj{"type": "string"}, "acronym": obj{"type": "string"},
			}},
			"ServiceSummary": obj{"type": "object", "required": []string{"id", "name", "organization"}, "properties": obj{
				"id": obj{"type": "string"}, "name": obj{"type": "string"}, "summary": obj{"type": "string"},
				"organization": obj{"$ref": "#/components/schemas/OrganizationRef"},
				"online_url":   obj{"type": "string", "format": "uri"}, "appointment_required": obj{"type": "boolean"},
			}},
			"ServiceList": obj{"type": "object", "required": []string{"items"}, "properties": obj{
				"items":              obj{"type": "array", "items": obj{"$ref": "#/components/schemas/ServiceSummary"}},
				"demonstration_data": obj{"type": "boolean", "description": "True when the catalogue holds demonstration data, not official data."},
			}},
			"Channel": obj{"type": "object", "properties": obj{
				"available": obj{"type": "boolean"}, "url": obj{"type": "string"}, "phone": obj{"type": "string"}, "note": obj{"type": "string"},
			}},
			"Service": obj{"allOf": []obj{{"$ref": "#/components/schemas/ServiceSummary"}, {"type": "object", "properties": obj{
				"online": obj{"$ref": "#/components/schemas/Channel"}, "in_person": obj{"$ref": "#/components/schemas/Channel"},
				"by_phone": obj{"$ref": "#/components/schemas/Channel"}, "by_mail": obj{"$ref": "#/components/schemas/Channel"},
				"online_assurance": obj{"type": "string", "enum": []string{"loa1", "loa2", "loa3"}},
				"documents":        obj{"type": "array", "items": obj{"type": "string"}},
				"duration_minutes": obj{"type": "integer"}, "fee": obj{"type": "string"}, "demonstration_data": obj{"type": "boolean"},
			}}}},
			"Interval": obj{"type": "object", "properties": obj{"open": obj{"type": "string", "example": "08:30"}, "close": obj{"type": "string", "example": "16:30"}}},
			"ServicePoint": obj{"type": "object", "required": []string{"id", "name", "municipality", "lat", "lon"}, "properties": obj{
				"id": obj{"type": "string"}, "name": obj{"type": "string"}, "organization": obj{"$ref": "#/components/schemas/OrganizationRef"},
				"address": obj{"type": "string"}, "municipality": obj{"type": "string"}, "postal_code": obj{"type": "string"},
				"lat": obj{"type": "number"}, "lon": obj{"type": "number"},
				"precision": obj{"type": "string", "enum": []string{"exact", "approximate", "area"}},
				"phone":     obj{"type": "string"}, "time_zone": obj{"type": "string"},
				"distance_km": obj{"type": "number"}, "open_now": obj{"type": "boolean"},
				"open_until": obj{"type": "string", "format": "date-time"}, "next_opening": obj{"type": "string", "format": "date-time"},
				"today_hours": obj{"type": "array", "items": obj{"$ref": "#/components/schemas/Interval"}},
				"services":    obj{"type": "array", "items": obj{"type": "string"}}, "source": obj{"type": "string"},
			}},
			"Location": obj{"type": "object", "properties": obj{
				"lat": obj{"type": "number"}, "lon": obj{"type": "number"},
				"kind":  obj{"type": "string", "enum": []string{"coordinates", "postal_code", "fsa", "municipality"}},
				"label": obj{"type": "string"}, "approximate": obj{"type": "boolean"},
			}},
			"ServicePointList": obj{"type": "object", "required": []string{"origin", "items"}, "properties": obj{
				"origin":             obj{"$ref": "#/components/schemas/Location"},
				"items":              obj{"type": "array", "items": obj{"$ref": "#/components/schemas/ServicePoint"}},
				"demonstration_data": obj{"type": "boolean"},
			}},
			"Day": obj{"type": "object", "properties": obj{
				"date": obj{"type": "string", "format": "date"}, "closed": obj{"type": "boolean"}, "holiday": obj{"type": "boolean"},
				"reason": obj{"type": "string"}, "intervals": obj{"type": "array", "items": obj{"$ref": "#/components/schemas/Interval"}},
			}},
			"ServicePointDetail": obj{"type": "object", "properties": obj{
				"point":              obj{"$ref": "#/components/schemas/ServicePoint"},
				"week":               obj{"type": "array", "items": obj{"$ref": "#/components/schemas/Day"}},
				"upcoming_closures":  obj{"type": "array", "items": obj{"$ref": "#/components/schemas/Day"}},
				"demonstration_data": obj{"type": "boolean"},
			}},
			"Slot": obj{"type": "object", "required": []string{"start", "end", "remaining"}, "properties": obj{
				"start": obj{"type": "string", "format": "date-time"}, "end": obj{"type": "string", "format": "date-time"},
				"remaining": obj{"type": "integer", "minimum": 1},
			}},
			"Availability": obj{"type": "object", "required": []string{"slots"}, "properties": obj{
				"slots": obj{"type": "array", "items": obj{"$ref": "#/components/schemas/Slot"}},
			}},
			"BookingRequest": obj{"type": "object", "required": []string{"service_point_id", "service_id", "start", "citizen"}, "properties": obj{
				"service_point_id": obj{"type": "string"}, "service_id": obj{"type": "string"},
				"start": obj{"type": "string", "format": "date-time", "description": "A slot start from the availability, RFC 3339 with offset."},
				"citizen": obj{"type": "object", "required": []string{"name"}, "description": "Name, and an e-mail address and/or a phone number.", "properties": obj{
					"name": obj{"type": "string"}, "email": obj{"type": "string", "format": "email"}, "phone": obj{"type": "string"},
				}},
				"lang": obj{"type": "string", "enum": []string{"fr", "en"}, "description": "Language of the messages sent to the citizen."},
			}},
			"ManageRequest": obj{"type": "object", "properties": obj{
				"manage_token": obj{"type": "string", "description": "The token given at booking (or the X-Manage-Token header)."},
				"start":        obj{"type": "string", "format": "date-time", "description": "The new start (reschedule only)."},
			}},
			"Appointment": obj{"type": "object", "required": []string{"reference", "status", "start", "end"}, "properties": obj{
				"reference":        obj{"type": "string", "pattern": "^RV-[0-9A-HJKMNP-TV-Z]{6}$"},
				"manage_token":     obj{"type": "string", "description": "Only in the answer to a booking."},
				"status":           obj{"type": "string", "enum": []string{"booked", "cancelled", "checked_in", "no_show", "served"}},
				"service_point_id": obj{"type": "string"}, "service_id": obj{"type": "string"},
				"start": obj{"type": "string", "format": "date-time"}, "end": obj{"type": "string", "format": "date-time"},
				"manage_url": obj{"type": "string", "format": "uri"},
			}},
			"AssistantMessage": obj{"type": "object", "required": []string{"role", "text"}, "properties": obj{
				"role": obj{"type": "string", "enum": []string{"user", "assistant", "agent"}}, "text": obj{"type": "string"},
				"choices": obj{"type": "array", "items": obj{"type": "object", "required": []string{"id", "label"}, "properties": obj{
					"id": obj{"type": "string"}, "label": obj{"type": "string"}}}},
			}},
			"Conversation": obj{"type": "object", "required": []string{"id", "messages"}, "properties": obj{
				"id": obj{"type": "string"}, "messages": obj{"type": "array", "items": obj{"$ref": "#/components/schemas/AssistantMessage"}},
			}},
			"Turn": obj{"type": "object", "required": []string{"messages", "intent", "entities", "events"}, "properties": obj{
				"messages": obj{"type": "array", "items": obj{"$ref": "#/components/schemas/AssistantMessage"}},
				"intent":   obj{"type": "string"}, "entities": obj{"type": "object", "additionalProperties": obj{"type": "string"}},
				"events": obj{"type": "array", "items": obj{"type": "object", "required": []string{"type"}, "properties": obj{
					"type":      obj{"type": "string", "enum": []string{"appointment_booked", "appointment_cancelled", "appointment_rescheduled", "handoff_requested"}},
					"reference": obj{"type": "string"}}}},
				"lang":   obj{"type": "string", "enum": []string{"fr", "en"}},
				"chosen": obj{"type": "string", "description": "The id of the proposal the message picked, if any."},
				"slots":  obj{"type": "object", "additionalProperties": obj{"type": "string"}, "description": "What the conversation has gathered so far (service, municipality, date, time…)."},
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
