package ofx

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fintraos/fintra/processors/connect/source"
)

// charset is how the bytes of a document's body are decoded.
type charset uint8

const (
	csUTF8    charset = iota
	cs1252            // Windows-1252, also used for US-ASCII and CHARSET:NONE
	csLatin1          // ISO-8859-1
	csGuessed         // no header: UTF-8 when valid, else Windows-1252
)

// header is what the document says about itself before <OFX>.
type header struct {
	version int // 1 (SGML header), 2 (XML processing instruction) or 0 (none)
	charset charset
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// skipSpace returns the index of the first byte of b[i:] that is not ASCII
// white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n' || b[i] == '\f') {
		i++
	}
	return i
}

// readHeader reads the OFX 1.x header (OFXHEADER:100 lines), the OFX 2.x
// prologue (<?xml ...?> <?OFX OFXHEADER="200" ...?>) or nothing (a bare
// <OFX>), and returns the offset where the tree starts.
func readHeader(b []byte) (header, int, error) {
	if len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF) {
		return header{}, 0, fmt.Errorf("UTF-16 documents are not supported")
	}
	start := 0
	if bytes.HasPrefix(b, utf8BOM) {
		start = len(utf8BOM)
	}
	i := skipSpace(b, start)
	if hasPrefixFold(b[i:], "OFXHEADER") {
		return readSGMLHeader(b, i)
	}
	if i == len(b) || b[i] != '<' {
		return header{}, 0, fmt.Errorf("not an OFX document: expected an OFXHEADER:100 header, <?xml, <?OFX or <OFX>")
	}
	h := header{charset: csGuessed}
	// The XML prologue: <?xml ...?> and <?OFX ...?>, in that order, possibly
	// with blanks between them. The tree builder skips both.
	j := i
	for j < len(b) && bytes.HasPrefix(b[j:], []byte("<?")) {
		end := bytes.Index(b[j+2:], []byte("?>"))
		if end < 0 {
			return header{}, 0, fmt.Errorf("unterminated processing instruction %s", source.Quote(string(b[j:min(len(b), j+40)])))
		}
		end += 2
		pi := string(b[j+2 : j+end])
		name, attrs, _ := strings.Cut(pi, " ")
		switch strings.ToUpper(name) {
		case "XML":
			if h.charset == csGuessed {
				h.charset = csUTF8
			}
			if enc, ok := attr(attrs, "encoding"); ok {
				cs, err := xmlCharset(enc)
				if err != nil {
					return header{}, 0, err
				}
				h.charset = cs
			}
		case "OFX":
			v, _ := attr(attrs, "OFXHEADER")
			if v != "200" {
				return header{}, 0, fmt.Errorf("header: OFXHEADER %s is not 200 (OFX 2.x)", source.Quote(v))
			}
			h.version = 2
		}
		j = skipSpace(b, j+end+2)
	}
	return h, i, nil
}

// readSGMLHeader reads the KEY:VALUE pairs of an OFX 1.x header up to the
// first '<'. Pairs are usually one per line; some servers put them all on
// one line, so any white space separates them.
func readSGMLHeader(b []byte, i int) (header, int, error) {
	end := bytes.IndexByte(b[i:], '<')
	if end < 0 {
		return header{}, 0, fmt.Errorf("header: no <OFX> after the OFXHEADER header")
	}
	end += i
	var ofxHeader, encoding, chset string
	for _, f := range strings.Fields(string(b[i:end])) {
		k, v, ok := strings.Cut(f, ":")
		if !ok {
			return header{}, 0, fmt.Errorf("header: %s is not KEY:VALUE", source.Quote(f))
		}
		switch strings.ToUpper(k) {
		case "OFXHEADER":
			ofxHeader = v
		case "ENCODING":
			encoding = strings.ToUpper(v)
		case "CHARSET":
			chset = strings.ToUpper(v)
		}
	}
	if ofxHeader != "100" {
		return header{}, 0, fmt.Errorf("header: OFXHEADER %s is not 100 (OFX 1.x)", source.Quote(ofxHeader))
	}
	h := header{version: 1}
	switch encoding {
	case "UTF-8", "UTF8":
		h.charset = csUTF8
	case "USASCII", "US-ASCII", "":
		switch chset {
		case "1252", "WINDOWS-1252", "CP1252", "NONE", "", "USASCII", "US-ASCII":
			// ASCII is a subset of 1252, and servers that declare no
			// character set send 1252 when they send anything else.
			h.charset = cs1252
		case "ISO-8859-1", "8859-1", "ISO8859-1", "LATIN1", "LATIN-1":
			h.charset = csLatin1
		case "UTF-8", "UTF8":
			h.charset = csUTF8
		default:
			return header{}, 0, fmt.Errorf("header: CHARSET %s is not supported (1252, ISO-8859-1, UTF-8 or NONE)", source.Quote(chset))
		}
	default:
		return header{}, 0, fmt.Errorf("header: ENCODING %s is not supported (USASCII or UTF-8)", source.Quote(encoding))
	}
	return h, end, nil
}

func xmlCharset(enc string) (charset, error) {
	switch strings.ToUpper(enc) {
	case "UTF-8", "UTF8":
		return csUTF8, nil
	case "US-ASCII", "ASCII", "WINDOWS-1252", "CP1252":
		return cs1252, nil
	case "ISO-8859-1", "LATIN1", "ISO8859-1":
		return csLatin1, nil
	}
	return 0, fmt.Errorf("header: XML encoding %s is not supported (UTF-8, US-ASCII, ISO-8859-1 or windows-1252)", source.Quote(enc))
}

// attr returns the value of a pseudo-attribute NAME="value" of a
// processing instruction.
func attr(attrs, name string) (string, bool) {
	for _, f := range strings.Fields(attrs) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || !strings.EqualFold(k, name) || len(v) < 2 || v[0] != v[len(v)-1] || v[0] != '"' && v[0] != '\'' {
			continue
		}
		return v[1 : len(v)-1], true
	}
	return "", false
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && strings.EqualFold(string(b[:len(prefix)]), prefix)
}

// decode converts the body to UTF-8. A body in UTF-8 that is not valid
// UTF-8 is rejected rather than silently repaired.
func decode(b []byte, cs charset) (string, error) {
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b), nil
	}
	switch cs {
	case csGuessed:
		if utf8.Valid(b) {
			return string(b), nil
		}
		return decode1252(b), nil
	case csUTF8:
		if !utf8.Valid(b) {
			at := 0
			for at < len(b) {
				r, n := utf8.DecodeRune(b[at:])
				if r == utf8.RuneError && n <= 1 {
					break
				}
				at += n
			}
			return "", fmt.Errorf("invalid UTF-8 on line %d (the header declares UTF-8)", 1+bytes.Count(b[:at], []byte("\n")))
		}
		return string(b), nil
	case csLatin1:
		var s strings.Builder
		s.Grow(len(b) + len(b)/8)
		for _, c := range b {
			s.WriteRune(rune(c))
		}
		return s.String(), nil
	}
	return decode1252(b), nil
}

// win1252 maps bytes 0x80..0x9F of Windows-1252; the other bytes are the
// same code points as ISO-8859-1. The five bytes 1252 leaves undefined map
// to the C1 control of the same value, as the WHATWG encoding standard does.
var win1252 = [32]rune{
	'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
	0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ',
}

func decode1252(b []byte) string {
	var s strings.Builder
	s.Grow(len(b) + len(b)/4)
	for _, c := range b {
		switch {
		case c < 0x80:
			s.WriteByte(c)
		case c < 0xA0:
			s.WriteRune(win1252[c-0x80])
		default:
			s.WriteRune(rune(c))
		}
	}
	return s.String()
}
