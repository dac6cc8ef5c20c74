// Package demo is the embedded demonstration data set: real Québec public
// bodies, the services of the platform's contract, and plausible in-person
// service points in the ten largest towns, with the municipalities and postal
// areas they need. Service-point addresses and coordinates are approximate.
package demo

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/geo"
)

//go:embed *.json
var files embed.FS

// Dataset is the whole demonstration data set.
type Dataset struct {
	Organizations  []catalog.Organization
	Services       []catalog.Service
	ServicePoints  []catalog.ServicePoint
	Municipalities []geo.Municipality
	FSAs           []geo.FSA
}

// Load parses the embedded JSON files. Decoding is strict: an unknown field
// or trailing data is an error, so a typo in the data cannot go unnoticed.
func Load() (Dataset, error) {
	var d Dataset
	for _, f := range []struct {
		name string
		into any
	}{
		{"organizations.json", &d.Organizations},
		{"services.json", &d.Services},
		{"service_points.json", &d.ServicePoints},
		{"municipalities.json", &d.Municipalities},
		{"fsas.json", &d.FSAs},
	} {
		if err := decode(f.name, f.into); err != nil {
			return Dataset{}, err
		}
	}
	return d, nil
}

func decode(name string, into any) error {
	b, err := files.ReadFile(name)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return decodeBytes(name, b, into)
}

func decodeBytes(name string, b []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("demo: %s: %w", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("demo: %s: unexpected data after the top-level value", name)
	}
	return nil
}

// Install writes the demonstration data set in a transaction (idempotent).
func Install(ctx context.Context, tx *database.Tx) error {
	ds, err := Load()
	if err != nil {
		return fmt.Errorf("demonstration data set: %w", err)
	}
	if _, err := geo.UpsertMunicipalities(ctx, tx, ds.Municipalities); err != nil {
		return err
	}
	if _, err := geo.UpsertFSAs(ctx, tx, ds.FSAs); err != nil {
		return err
	}
	if _, err := catalog.UpsertOrganizations(ctx, tx, ds.Organizations); err != nil {
		return err
	}
	if _, err := catalog.UpsertServices(ctx, tx, ds.Services); err != nil {
		return err
	}
	if _, err := catalog.UpsertServicePoints(ctx, tx, ds.ServicePoints); err != nil {
		return err
	}
	return catalog.BumpVersion(ctx, tx)
}
