package assistant

import (
	"time"

	"github.com/guichet-qc/guichet/internal/assistant/dialogue"
	"github.com/guichet-qc/guichet/internal/assistant/entities"
	"github.com/guichet-qc/guichet/internal/catalog"
)

// Understand is Parse for the dialogue engine.
func (p *Parser) Understand(text, langHint string, now time.Time) dialogue.Understanding {
	r := p.Parse(text, langHint, now)
	return dialogue.Understanding{Lang: r.Lang, Intent: r.Intent, Confidence: r.Confidence, Entities: r.Entities}
}

// CatalogOf is what the parser needs of a live catalogue: its services
// and the municipalities it knows (imported ones included).
func CatalogOf(c *catalog.Catalog) Catalog {
	var out Catalog
	for _, s := range c.Services("fr") {
		es := entities.Service{ID: s.ID}
		es.Names = appendNonEmpty(es.Names, s.Name.FR, s.Name.EN)
		es.Keywords = append(append(es.Keywords, s.Keywords.FR...), s.Keywords.EN...)
		es.Synonyms = append(append(es.Synonyms, s.Synonyms.FR...), s.Synonyms.EN...)
		out.Services = append(out.Services, es)
	}
	out.Municipalities = c.Gazetteer().Names()
	return out
}
