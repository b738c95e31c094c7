package plaid

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/jsonpayload"
	"github.com/fintraos/fintra/schemas"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// webhookTypes are the webhook families this parser reads. Their codes are
// not restricted: Plaid adds codes, and an unknown one is still a notice
// for the connection worker.
var webhookTypes = []string{"TRANSACTIONS", "ITEM"}

// webhook maps a TRANSACTIONS or ITEM webhook to one ConnectionEvent. The
// connection is the item (item_id), or for the Processor* variants, which
// name no item, the account (account_id). Every other field is kept in
// detail: strings as they are, numbers and booleans as their JSON literal,
// objects and arrays as compact JSON; nulls are left out.
func (b *builder) webhook(top map[string]json.RawMessage) {
	typ, okType := jsonpayload.String(top, "", "webhook_type", true, b.probs)
	code, okCode := jsonpayload.String(top, "", "webhook_code", true, b.probs)
	if okType && !slices.Contains(webhookTypes, typ) {
		b.probs.Add("webhook_type", "%s is not a webhook type this parser reads (TRANSACTIONS, ITEM)", source.Quote(typ))
	}
	if okCode && (code == "" || len(code) > maxIDLen) {
		b.probs.Add("webhook_code", "%s is not 1..%d characters", source.Quote(code), maxIDLen)
	}
	connKey := "item_id"
	if jsonpayload.IsNull(top["item_id"]) && !jsonpayload.IsNull(top["account_id"]) {
		connKey = "account_id"
	}
	conn, _ := b.id(top, "", connKey)
	if b.probs.Len() > 0 {
		return
	}

	keys := make([]string, 0, len(top))
	for k := range top {
		if k != "webhook_type" && k != "webhook_code" && k != connKey && !jsonpayload.IsNull(top[k]) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // map order is random; ids and output must not be
	detail := make(map[string]string, len(keys))
	h := sha256.New()
	kind := typ + "/" + code
	h.Write([]byte(kind + "\x1f" + conn + "\x1f"))
	for _, k := range keys {
		v := top[k]
		var s string
		switch v[0] {
		case '"':
			_ = json.Unmarshal(v, &s) // valid: jsonpayload.CheckObject passed
		case '{', '[':
			var buf bytes.Buffer
			_ = json.Compact(&buf, v)
			s = buf.String()
		default:
			s = string(v)
		}
		detail[k] = s
		h.Write([]byte(k + "\x1e" + s + "\x1f"))
	}
	// Plaid webhooks carry no id and no time: the content is the identity,
	// so a redelivered webhook gets the same event id.
	contentID := hex.EncodeToString(h.Sum(nil)[:16])

	typ4 := fintrav1.EventType_EVENT_TYPE_CONNECTION
	b.emit("payload", &fintrav1.Event{
		EventId:    schemas.EventID(Name, conn, contentID, typ4),
		AccountId:  source.AccountID(Name, conn),
		Type:       typ4,
		OccurredAt: timestamppb.New(b.p.IngestedAt), // Plaid says nothing of when
		Payload: &fintrav1.Event_Connection{Connection: &fintrav1.ConnectionEvent{
			Source:       Name,
			ConnectionId: conn,
			Kind:         kind,
			Detail:       detail,
		}},
	})
}
