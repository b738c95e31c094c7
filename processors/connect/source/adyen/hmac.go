package adyen

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Errors of VerifyHMAC, for errors.Is.
var (
	// ErrHMACKey: the key is not hex.
	ErrHMACKey = errors.New("adyen: HMAC key is not hex")
	// ErrHMACItem: the item is not a NotificationRequestItem JSON object.
	ErrHMACItem = errors.New("adyen: not a notification item")
	// ErrNoHMACSignature: the item has no additionalData.hmacSignature.
	ErrNoHMACSignature = errors.New("adyen: no additionalData.hmacSignature")
	// ErrHMACMismatch: the signature does not match the item and the key.
	ErrHMACMismatch = errors.New("adyen: HMAC signature does not match")
)

// VerifyHMAC checks the HMAC signature of one standard notification item
// (the NotificationRequestItem object, or its {"NotificationRequestItem":
// …} wrapper) with the merchant's HMAC key in hex, as Adyen computes it:
// HMAC-SHA256, keyed with the hex-decoded key, over
//
//	pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success
//
// (absent fields as empty strings, value as the JSON integer's digits),
// base64-encoded, compared in constant time with
// additionalData.hmacSignature.
//
// The HTTP gateway verifies signatures before a payload reaches connect;
// Parse does not.
func VerifyHMAC(item []byte, hexKey string) error {
	key, err := hex.DecodeString(hexKey)
	if err != nil || len(key) == 0 {
		return ErrHMACKey
	}
	it, err := hmacItem(item)
	if err != nil {
		return err
	}
	var sig string
	if raw, ok := it.AdditionalData["hmacSignature"]; ok {
		_ = json.Unmarshal(raw, &sig)
	}
	if sig == "" {
		return ErrNoHMACSignature
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, sign(it, key)) {
		return ErrHMACMismatch
	}
	return nil
}

func hmacItem(b []byte) (*item, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' || len(b) > MaxPayload {
		return nil, ErrHMACItem
	}
	var wrap struct {
		Item json.RawMessage `json:"NotificationRequestItem"`
	}
	if json.Unmarshal(b, &wrap) != nil {
		return nil, ErrHMACItem
	}
	if len(wrap.Item) > 0 {
		b = wrap.Item
	}
	var it item
	if json.Unmarshal(b, &it) != nil {
		return nil, ErrHMACItem
	}
	return &it, nil
}

// sign is the raw HMAC of an item.
func sign(it *item, key []byte) []byte {
	var value, cur string
	if it.Amount != nil {
		value, cur = string(it.Amount.Value), it.Amount.Currency
	}
	succ := strings.Trim(string(it.Success), `"`)
	data := strings.Join([]string{it.PspReference, it.OriginalReference, it.MerchantAccountCode, it.MerchantReference,
		value, cur, it.EventCode, succ}, ":")
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(data))
	return mac.Sum(nil)
}

// VerifyWebhook checks a whole webhook request body with the HMAC key in
// hex: for a standard notification every item's additionalData.hmacSignature
// (VerifyHMAC); for a Balance Platform webhook, which signs the raw body
// instead, the HmacSignature header (base64 HMAC-SHA256 of the body). The
// error names the item that failed.
func VerifyWebhook(hmacSignatureHeader string, body []byte, hexKey string) error {
	var note struct {
		Items []json.RawMessage `json:"notificationItems"`
	}
	if json.Unmarshal(body, &note) == nil && len(note.Items) > 0 {
		for i, it := range note.Items {
			if err := VerifyHMAC(it, hexKey); err != nil {
				return fmt.Errorf("notificationItems[%d]: %w", i, err)
			}
		}
		return nil
	}
	key, err := hex.DecodeString(hexKey)
	if err != nil || len(key) == 0 {
		return ErrHMACKey
	}
	if hmacSignatureHeader == "" {
		return fmt.Errorf("%w: a Balance Platform webhook is signed in the HmacSignature header, which is missing", ErrNoHMACSignature)
	}
	got, err := base64.StdEncoding.DecodeString(hmacSignatureHeader)
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return ErrHMACMismatch
	}
	return nil
}
