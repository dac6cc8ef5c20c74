package opendata

import (
	"context"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Identifiers of the organization and services the facilities offer.
const (
	OrganizationID      = "sante-quebec"
	ServicePrelevements = "sante-prelevements"
	ServiceVaccination  = "sante-vaccination"
	ServiceUrgences     = "sante-urgences"
)

// healthOrganization and healthServices are minimal records written only
// when missing, so that facilities can be imported into a database without
// the demo data set; richer records already there are never overwritten.
var healthOrganization = catalog.Organization{
	ID:   OrganizationID,
	Name: catalog.Text{FR: "Santé Québec", EN: "Santé Québec"},
}

var healthServices = []catalog.Service{
	{
		ID: ServicePrelevements, OrganizationID: OrganizationID,
		Name: catalog.Text{FR: "Prélèvements et analyses", EN: "Blood tests and samples"},
		Summary: catalog.Text{
			FR: "Prises de sang et autres prélèvements prescrits par un professionnel de la santé, sur rendez-vous.",
			EN: "Blood tests and other samples prescribed by a health professional, by appointment.",
		},
		InPerson:            catalog.Channel{Available: true},
		AppointmentRequired: true, DurationMinutes: 10,
	},
	{
		ID: ServiceVaccination, OrganizationID: OrganizationID,
		Name: catalog.Text{FR: "Vaccination", EN: "Vaccination"},
		Summary: catalog.Text{
			FR: "Vaccins du calendrier québécois pour les enfants et les adultes, sur rendez-vous.",
			EN: "Vaccines of the Québec schedule for children and adults, by appointment.",
		},
		InPerson:            catalog.Channel{Available: true},
		AppointmentRequired: true, DurationMinutes: 10,
	},
	{
		ID: ServiceUrgences, OrganizationID: OrganizationID,
		Name: catalog.Text{FR: "Urgences", EN: "Emergency department"},
		Summary: catalog.Text{
			FR: "Soins urgents jour et nuit, sans rendez-vous; en cas de danger immédiat, composez le 911.",
			EN: "Urgent care day and night, without an appointment; in immediate danger, call 911.",
		},
		InPerson:            catalog.Channel{Available: true},
		AppointmentRequired: false,
	},
}

// ensureHealthCatalog writes the organization and the services the
// facilities refer to, each only if it does not exist yet.
func ensureHealthCatalog(ctx context.Context, tx *database.Tx) error {
	ok, err := exists(ctx, tx, "catalog_organizations", OrganizationID)
	if err != nil {
		return err
	}
	if !ok {
		if _, err := catalog.UpsertOrganizations(ctx, tx, []catalog.Organization{healthOrganization}); err != nil {
			return err
		}
	}
	var missing []catalog.Service
	for _, s := range healthServices {
		ok, err := exists(ctx, tx, "catalog_services", s.ID)
		if err != nil {
			return err
		}
		if !ok {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = catalog.UpsertServices(ctx, tx, missing)
	return err
}

// exists tells whether a catalogue table (a constant of this file) holds id.
func exists(ctx context.Context, tx *database.Tx, table, id string) (bool, error) {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM `+table+` WHERE id = ?`, id).Scan(&one)
	switch {
	case err == nil:
		return true, nil
	case errs.Is(err, errs.NotFound):
		return false, nil
	}
	return false, err
}
