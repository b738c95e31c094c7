package schemas

import (
	"strings"

	"github.com/google/uuid"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

// eventIDNamespace is the UUIDv5 namespace of FintraOS event ids. Changing it
// changes every event id: it is part of the contract.
var eventIDNamespace = uuid.MustParse("6f1c2a4e-8d1b-5b7e-9c3a-0f4e2d6b8a10")

// EventID returns the deterministic id of a canonical event: a UUIDv5 of
// (source, source account id, source transaction id, event type). The same
// source record always yields the same id, so a replay or a duplicate
// delivery is recognisable at every stage. The parts are joined with a unit
// separator so that no two different tuples can produce the same name.
func EventID(source, sourceAccountID, sourceTransactionID string, typ fintrav1.EventType) string {
	name := strings.Join([]string{source, sourceAccountID, sourceTransactionID, typ.String()}, "\x1f")
	return uuid.NewSHA1(eventIDNamespace, []byte(name)).String()
}
