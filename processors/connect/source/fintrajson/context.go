package fintrajson

import (
	"encoding/json"
	"errors"
	"io"
	"net/netip"
	"strings"

	"github.com/fintraos/fintra/processors/connect/source"
	"github.com/fintraos/fintra/schemas/fintrav1"
)

// Limits of the context's strings, in characters.
const (
	maxDeviceLen     = 128
	maxUserAgentLen  = 512
	maxDomainLen     = 253
	maxPostalCodeLen = 16
)

// paymentContext is the optional "context" object: how the payment was
// made, for fraud scoring. Pointers tell an absent key from a zero value.
type paymentContext struct {
	Channel           *string  `json:"channel"`
	DeviceID          *string  `json:"device_id"`
	IPAddress         *string  `json:"ip_address"`
	EmailDomain       *string  `json:"email_domain"`
	UserAgent         *string  `json:"user_agent"`
	BillingCountry    *string  `json:"billing_country"`
	BillingPostalCode *string  `json:"billing_postal_code"`
	Latitude          *float64 `json:"latitude"`
	Longitude         *float64 `json:"longitude"`
	Declined          *bool    `json:"declined"`
}

// contextKeys are the keys of "context", in the order problems are listed.
var contextKeys = []string{"channel", "device_id", "ip_address", "email_domain", "user_agent",
	"billing_country", "billing_postal_code", "latitude", "longitude", "declined"}

var channels = map[string]fintrav1.Channel{
	"card_present":     fintrav1.Channel_CHANNEL_CARD_PRESENT,
	"card_not_present": fintrav1.Channel_CHANNEL_CARD_NOT_PRESENT,
	"transfer":         fintrav1.Channel_CHANNEL_TRANSFER,
	"atm":              fintrav1.Channel_CHANNEL_ATM,
}

// parseContext validates the raw JSON of "context" and returns it as a
// PaymentContext, recording every broken rule in probs as
// "context.<key>: rule".
func parseContext(raw string, probs *source.Problems) *fintrav1.PaymentContext {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	var pc paymentContext
	if err := dec.Decode(&pc); err != nil {
		probs.Add("context", "%s", contextDecodeProblem(err))
		return nil
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		probs.Add("context", "trailing data after the object")
		return nil
	}
	out := &fintrav1.PaymentContext{}
	if pc.Channel != nil {
		ch, ok := channels[*pc.Channel]
		if !ok {
			probs.Add("context.channel", "%s is not one of card_present, card_not_present, transfer, atm", source.QuoteControl(*pc.Channel))
		}
		out.Channel = ch
	}
	str := func(key string, v *string, max int, into *string) {
		if v == nil {
			return
		}
		if n := len([]rune(*v)); n > max {
			probs.Add("context."+key, "is %d characters, over the limit of %d", n, max)
			return
		}
		*into = *v
	}
	str("device_id", pc.DeviceID, maxDeviceLen, &out.DeviceId)
	str("user_agent", pc.UserAgent, maxUserAgentLen, &out.UserAgent)
	str("billing_postal_code", pc.BillingPostalCode, maxPostalCodeLen, &out.BillingPostalCode)
	if pc.IPAddress != nil {
		if addr, err := netip.ParseAddr(*pc.IPAddress); err != nil || addr.Zone() != "" {
			probs.Add("context.ip_address", "%s is not an IPv4 or IPv6 address", source.QuoteControl(*pc.IPAddress))
		} else {
			out.IpAddress = addr.String()
		}
	}
	if pc.EmailDomain != nil {
		d := *pc.EmailDomain
		if !isDomain(d) {
			probs.Add("context.email_domain", "%s is not a lower-case domain name such as example.com (the part after @, without it)", source.QuoteControl(d))
		} else {
			out.EmailDomain = d
		}
	}
	if pc.BillingCountry != nil {
		s := *pc.BillingCountry
		if len(s) != 2 || !allBytes(s, isUpper) {
			probs.Add("context.billing_country", "%s is not an ISO 3166-1 alpha-2 code (2 letters A-Z)", source.QuoteControl(s))
		} else {
			out.BillingCountry = s
		}
	}
	switch {
	case pc.Latitude == nil && pc.Longitude == nil:
	case pc.Latitude == nil || pc.Longitude == nil:
		probs.Add("context.latitude", "latitude and longitude go together: give both or neither")
	default:
		lat, lon := *pc.Latitude, *pc.Longitude
		ok := true
		if lat < -90 || lat > 90 {
			probs.Add("context.latitude", "%v is outside -90..90 degrees", lat)
			ok = false
		}
		if lon < -180 || lon > 180 {
			probs.Add("context.longitude", "%v is outside -180..180 degrees", lon)
			ok = false
		}
		if ok {
			out.HasLocation, out.Latitude, out.Longitude = true, lat, lon
		}
	}
	if pc.Declined != nil {
		out.Declined = *pc.Declined
	}
	return out
}

// contextDecodeProblem turns encoding/json's complaint into the rule a
// producer can act on.
func contextDecodeProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return typeErr.Field + ": must be " + jsonKindOf(typeErr.Type.Kind().String()) + ", not a JSON " + typeErr.Value
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + " (known: " + strings.Join(contextKeys, ", ") + ")"
	}
	return "not a valid object: " + err.Error()
}

func jsonKindOf(goKind string) string {
	switch goKind {
	case "float64":
		return "a number"
	case "bool":
		return "a boolean"
	case "string":
		return "a string"
	}
	return goKind
}

// isDomain accepts lower-case host names of dot-separated labels of
// [a-z0-9-], with at least one dot.
func isDomain(s string) bool {
	if len(s) == 0 || len(s) > maxDomainLen || !strings.Contains(s, ".") {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
