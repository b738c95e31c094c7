package synth_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/fintraos/fintra/internal/synth"
	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/fintrajson"
)

// TestFraudModePayloadsCarryTheirContext: in fraud mode every valid
// payload carries its payment context in fintra-json's "context", and the
// parser gives back exactly the context the training data saw.
func TestFraudModePayloadsCarryTheirContext(t *testing.T) {
	g, err := synth.New(synth.Config{Events: 20_000, Seed: 11, Accounts: 300, FraudRate: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	parser := fintrajson.New()
	var checked, withLocation int
	for {
		p, ok := g.Next()
		if !ok {
			break
		}
		if p.Kind != synth.KindValid || p.Truth == nil || p.Truth.Context == nil {
			continue
		}
		events, err := parser.Parse(source.Payload{Bytes: p.Bytes, Key: p.Key, IngestedAt: time.Unix(0, 0)})
		if err != nil {
			t.Fatalf("%s: %v", p.Bytes, err)
		}
		tx := events[0].GetCreated().GetTransaction()
		if tx == nil {
			tx = events[0].GetUpdated().GetTransaction()
		}
		if !proto.Equal(tx.GetContext(), p.Truth.Context) {
			t.Fatalf("%s:\nparsed context %v\nwant %v", p.Bytes, tx.GetContext(), p.Truth.Context)
		}
		checked++
		if p.Truth.Context.GetHasLocation() {
			withLocation++
		}
	}
	if checked < 10_000 || withLocation == 0 {
		t.Fatalf("checked %d payloads (%d with a location): the generator gave too few contexts", checked, withLocation)
	}
}
