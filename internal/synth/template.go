package synth

import (
	"fmt"
	"strings"
)

// A template is a statement descriptor with placeholders, compiled once when
// the package loads: "STARBUCKS STORE {S5} {CITY} {ST}". Expanding it only
// appends bytes, so descriptors cost no allocation.
type template []part

type part struct {
	lit string
	ph  placeholder
	n   int // digits or characters for {S5}, {R6}, {D10}
}

type placeholder uint8

const (
	phLit    placeholder = iota
	phCity               // location city, upper-case ASCII as on statements
	phST                 // US/CA/AU state or province, else the country code
	phCC                 // location country code
	phStore              // {S5}: store number the account frequents, n digits
	phRef                // {R6}: random reference, n upper-case letters and digits
	phDigits             // {D10}: random digits
	phDate               // 01/05 (month/day)
	phMMDD               // 0105
	phDDMM               // 05/01
	phDMY                // 05.01.26
	phDMYYYY             // 05/01/2026
	phMonth              // 01
	phYear               // 2026
	phDOW                // MON
	phH12                // 8PM
	phRest               // DoorDash's truncated restaurant: BURGERKIN
	phRestN              // restaurant name: BURGER KING
	phName               // a counterparty of a transfer
	phHolder             // the account holder
	phEmp                // the holder's employer
	phProp               // the holder's landlord or property
	phBank               // the holder's bank
	phCard               // last four digits of the holder's card
	phShop               // a small online seller
	phM                  // the merchant descriptor inside a bank's wrapping
)

var placeholders = map[string]placeholder{
	"CITY": phCity, "ST": phST, "CC": phCC, "S": phStore, "R": phRef, "D": phDigits,
	"DATE": phDate, "MMDD": phMMDD, "DDMM": phDDMM, "DMY": phDMY, "DMYYYY": phDMYYYY,
	"MM": phMonth, "YYYY": phYear, "DOW": phDOW, "H12": phH12, "REST": phRest, "RESTN": phRestN,
	"NAME": phName, "HOLDER": phHolder, "EMP": phEmp, "PROP": phProp, "BANK": phBank,
	"CARD": phCard, "SHOP": phShop, "M": phM,
}

// compile parses a template. The templates are literals of this package, so
// a malformed one is a programming error and panics when the package loads.
func compile(s string) template {
	var t template
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			t = append(t, part{lit: s})
			break
		}
		if i > 0 {
			t = append(t, part{lit: s[:i]})
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			panic(fmt.Sprintf("synth: unclosed placeholder in template %q", s))
		}
		name := s[i+1 : i+j]
		n := 0
		ph, ok := placeholders[name]
		if !ok { // {S5}: a name and a length
			k := len(name)
			for k > 0 && name[k-1] >= '0' && name[k-1] <= '9' {
				k--
			}
			for _, c := range name[k:] {
				n = n*10 + int(c-'0')
			}
			ph, ok = placeholders[name[:k]]
		}
		if !ok {
			panic(fmt.Sprintf("synth: unknown placeholder {%s} in template %q", s[i+1:i+j], s))
		}
		if (ph == phStore || ph == phRef || ph == phDigits) != (n > 0) {
			panic(fmt.Sprintf("synth: placeholder {%s} in template %q: only S, R and D take a length", s[i+1:i+j], s))
		}
		t = append(t, part{ph: ph, n: n})
		s = s[i+j+1:]
	}
	return t
}

func compileAll(ss []string) []template {
	ts := make([]template, len(ss))
	for i, s := range ss {
		ts[i] = compile(s)
	}
	return ts
}
