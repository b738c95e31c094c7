package schemas

import (
	"fmt"

	"google.golang.org/protobuf/proto"
)

// ProtoCodec is the goka codec of every protobuf message on the pipeline's
// topics and tables. T is the pointer type of a generated message, e.g.
// ProtoCodec[*fintrav1.Event]. Decode always returns a T, so a callback
// type-asserts once.
type ProtoCodec[T proto.Message] struct{}

// Encode marshals a T. Anything else is a programming error and is reported,
// not panicked on.
func (ProtoCodec[T]) Encode(value any) ([]byte, error) {
	msg, ok := value.(T)
	if !ok {
		var zero T
		return nil, fmt.Errorf("schemas: codec for %T cannot encode %T", zero, value)
	}
	return proto.Marshal(msg)
}

// Decode unmarshals data into a new T.
func (ProtoCodec[T]) Decode(data []byte) (any, error) {
	var zero T
	msg := zero.ProtoReflect().New().Interface().(T)
	if err := proto.Unmarshal(data, msg); err != nil {
		return nil, fmt.Errorf("schemas: decode %T: %w", zero, err)
	}
	return msg, nil
}
