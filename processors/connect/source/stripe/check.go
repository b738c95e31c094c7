package stripe

import (
	"encoding/json"
	"time"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/processors/connect/source/jsonpayload"
)

// MaxPayload is the largest payload accepted, in bytes. A Stripe event is a
// few KiB; the cap only bounds what a broken producer can make us allocate.
const MaxPayload = 16 << 20

// maxDepth is the deepest JSON nesting accepted. Stripe objects nest about
// eight levels (issuing.authorization.card.cardholder.billing.address);
// anything far deeper is not a Stripe object.
const maxDepth = 32

// unixTime reads a Unix-seconds timestamp (Stripe's "created").
func unixTime(p *source.Problems, field string, raw json.RawMessage) (time.Time, bool) {
	n, ok := jsonpayload.Integer(raw, field, p)
	if !ok {
		return time.Time{}, false
	}
	// Year 1970..9999: anything else is not a Stripe timestamp, and the
	// bound keeps timestamppb valid.
	if n < 0 || n > 253402300799 {
		p.Add(field, "%d is not a Unix time between 1970 and 9999", n)
		return time.Time{}, false
	}
	return time.Unix(n, 0).UTC(), true
}
