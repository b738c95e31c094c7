package stripe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Errors of VerifySignature, for errors.Is.
var (
	// ErrMalformedHeader: the Stripe-Signature header has no timestamp or no v1 signature.
	ErrMalformedHeader = errors.New("stripe: malformed Stripe-Signature header")
	// ErrNoValidSignature: no v1 signature of the header matches the payload.
	ErrNoValidSignature = errors.New("stripe: no v1 signature matches the payload")
	// ErrTooOld: the signature is valid but older than the tolerance (a replay).
	ErrTooOld = errors.New("stripe: signed timestamp is older than the tolerance")
)

// maxHeader bounds the header VerifySignature reads; a real one is about
// 150 bytes (more during a secret roll, which adds a v1 per secret).
const maxHeader = 8 << 10

// VerifySignature checks a webhook's Stripe-Signature header
// ("t=1700000000,v1=5257a8…,v0=…") against the raw request body and the
// endpoint's signing secret ("whsec_…", used as the HMAC key as is): one of
// the v1 values must be the hex HMAC-SHA256 of "<t>.<payload>". Other
// schemes (v0, a test-mode scheme) are ignored. With tolerance > 0, a
// timestamp older than now-tolerance is rejected as a possible replay, as
// Stripe's libraries do (their default tolerance is 5 minutes); a timestamp
// in the future is accepted. Signatures are compared in constant time.
//
// The HTTP gateway verifies signatures before a payload reaches connect;
// Parse does not.
func VerifySignature(payload []byte, header string, secret string, now time.Time, tolerance time.Duration) error {
	if len(header) > maxHeader {
		return ErrMalformedHeader
	}
	var ts int64
	var haveTS bool
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return ErrMalformedHeader
			}
			ts, haveTS = n, true
		case "v1":
			if b, err := hex.DecodeString(v); err == nil && len(b) == sha256.Size {
				sigs = append(sigs, b)
			}
		}
	}
	if !haveTS || len(sigs) == 0 {
		return ErrMalformedHeader
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(strconv.AppendInt(nil, ts, 10))
	mac.Write([]byte{'.'})
	mac.Write(payload)
	want := mac.Sum(nil)
	ok := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return ErrNoValidSignature
	}
	if tolerance > 0 && now.Sub(time.Unix(ts, 0)) > tolerance {
		return ErrTooOld
	}
	return nil
}
