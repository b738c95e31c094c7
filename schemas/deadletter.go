package schemas

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lovoo/goka"

	"github.com/fintraos/fintra/schemas/fintrav1"
)

// DeadLetterHeaders returns the headers of a dead letter: the original
// headers untouched (so fintra-source survives a replay) plus fintra-error,
// fintra-stage and fintra-origin.
func DeadLetterHeaders(original goka.Headers, stage string, origin *fintrav1.Origin, err error) goka.Headers {
	h := make(goka.Headers, len(original)+3)
	for k, v := range original {
		h[k] = v
	}
	h[HeaderError] = []byte(err.Error())
	h[HeaderStage] = []byte(stage)
	h[HeaderOrigin] = []byte(FormatOrigin(origin))
	return h
}

// FormatOrigin renders an origin as "topic/partition/offset".
func FormatOrigin(o *fintrav1.Origin) string {
	return o.GetTopic() + "/" + strconv.Itoa(int(o.GetPartition())) + "/" + strconv.FormatInt(o.GetOffset(), 10)
}

// ParseOrigin reads "topic/partition/offset". Topic names cannot contain
// '/', so the last two fields are unambiguous.
func ParseOrigin(s string) (*fintrav1.Origin, error) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 {
		return nil, fmt.Errorf("schemas: origin %q is not topic/partition/offset", s)
	}
	j := strings.LastIndexByte(s[:i], '/')
	if j <= 0 {
		return nil, fmt.Errorf("schemas: origin %q is not topic/partition/offset", s)
	}
	partition, err := strconv.ParseInt(s[j+1:i], 10, 32)
	if err != nil {
		return nil, fmt.Errorf("schemas: origin %q: partition: %w", s, err)
	}
	offset, err := strconv.ParseInt(s[i+1:], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("schemas: origin %q: offset: %w", s, err)
	}
	return &fintrav1.Origin{Topic: s[:j], Partition: int32(partition), Offset: offset}, nil
}
