package source

import (
	"fmt"
	"strings"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

// AutoName is the format name that asks for detection from the content.
const AutoName = "auto"

// Detect finds the one registered format that claims the payload. It is an
// error when none does (naming the formats that can be detected) or when
// several do (naming them: a detector is too greedy).
func (r *Registry) Detect(payload []byte) (Parser, error) {
	var claimed []Parser
	var detectable []string
	for _, name := range r.Names() {
		p := r.parsers[name]
		d, ok := p.(Detector)
		if !ok {
			continue
		}
		detectable = append(detectable, name)
		if d.Detect(payload) {
			claimed = append(claimed, p)
		}
	}
	switch len(claimed) {
	case 1:
		return claimed[0], nil
	case 0:
		return nil, fmt.Errorf("%w: the content matches none of the formats that can be detected (%s); name the format instead of auto", ErrUnknownSource, strings.Join(detectable, ", "))
	default:
		names := make([]string, len(claimed))
		for i, p := range claimed {
			names[i] = p.Name()
		}
		return nil, fmt.Errorf("%w: the content matches several formats (%s); name the format instead of auto", ErrUnknownSource, strings.Join(names, ", "))
	}
}

// auto is the parser behind the name "auto": it detects the format of each
// payload and hands it to that format's parser, so the events carry the
// real format's name and ids.
type auto struct{ r *Registry }

func (a auto) Name() string     { return AutoName }
func (a auto) Framing() Framing { return FramingDocument }

func (a auto) Parse(p Payload) ([]*fintrav1.Event, error) {
	parser, err := a.r.Detect(p.Bytes)
	if err != nil {
		return nil, err
	}
	return parser.Parse(p)
}
