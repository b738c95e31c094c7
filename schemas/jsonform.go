package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// MarshalJSON renders any pipeline message in its JSON form (contract for the
// CLI): snake_case field names, 64-bit integers as JSON integers (protojson
// would quote them, and amount_minor must stay a number), enums as their
// short lower-case name ("posted", "transaction_created"), timestamps as
// RFC 3339 in UTC, empty strings and unset messages left out, numbers and
// enums always present (a zero amount is an amount).
func MarshalJSON(m proto.Message) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeMessage(&buf, m.ProtoReflect()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeMessage(buf *bytes.Buffer, m protoreflect.Message) error {
	if ts, ok := m.Interface().(*timestamppb.Timestamp); ok {
		return writeJSONString(buf, ts.AsTime().UTC().Format(time.RFC3339Nano))
	}
	buf.WriteByte('{')
	fields := m.Descriptor().Fields()
	first := true
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if !shouldWrite(m, fd) {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		if err := writeJSONString(buf, string(fd.Name())); err != nil {
			return err
		}
		buf.WriteByte(':')
		if err := writeField(buf, fd, m.Get(fd)); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

func shouldWrite(m protoreflect.Message, fd protoreflect.FieldDescriptor) bool {
	switch {
	case fd.IsList(), fd.IsMap():
		return m.Has(fd)
	case fd.ContainingOneof() != nil && !fd.ContainingOneof().IsSynthetic():
		return m.Has(fd)
	case fd.Kind() == protoreflect.MessageKind, fd.Kind() == protoreflect.StringKind, fd.Kind() == protoreflect.BytesKind,
		fd.Kind() == protoreflect.BoolKind:
		return m.Has(fd)
	default:
		return true
	}
}

func writeField(buf *bytes.Buffer, fd protoreflect.FieldDescriptor, v protoreflect.Value) error {
	switch {
	case fd.IsList():
		list := v.List()
		buf.WriteByte('[')
		for i := 0; i < list.Len(); i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeScalar(buf, fd, list.Get(i)); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case fd.IsMap():
		// Sorted keys keep the output deterministic.
		mp := v.Map()
		keys := make([]string, 0, mp.Len())
		mp.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
			keys = append(keys, k.String())
			return true
		})
		slices.Sort(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSONString(buf, k); err != nil {
				return err
			}
			buf.WriteByte(':')
			mk := protoreflect.ValueOfString(k).MapKey()
			if fd.MapKey().Kind() != protoreflect.StringKind {
				return fmt.Errorf("schemas: json form supports string map keys only, %s has %s", fd.FullName(), fd.MapKey().Kind())
			}
			if err := writeScalar(buf, fd.MapValue(), mp.Get(mk)); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	default:
		return writeScalar(buf, fd, v)
	}
}

func writeScalar(buf *bytes.Buffer, fd protoreflect.FieldDescriptor, v protoreflect.Value) error {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return writeMessage(buf, v.Message())
	case protoreflect.StringKind:
		return writeJSONString(buf, v.String())
	case protoreflect.BytesKind:
		b, err := json.Marshal(v.Bytes())
		buf.Write(b)
		return err
	case protoreflect.BoolKind:
		buf.WriteString(strconv.FormatBool(v.Bool()))
	case protoreflect.EnumKind:
		return writeJSONString(buf, enumShortName(fd.Enum(), v.Enum()))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		buf.WriteString(strconv.FormatInt(v.Int(), 10))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		buf.WriteString(strconv.FormatUint(v.Uint(), 10))
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		buf.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	default:
		return fmt.Errorf("schemas: json form: unsupported kind %s of %s", fd.Kind(), fd.FullName())
	}
	return nil
}

// enumShortName strips the enum's type prefix that buf lint requires
// (TRANSACTION_STATUS_POSTED -> "posted").
func enumShortName(ed protoreflect.EnumDescriptor, n protoreflect.EnumNumber) string {
	vd := ed.Values().ByNumber(n)
	if vd == nil {
		return strconv.Itoa(int(n))
	}
	name := string(vd.Name())
	prefix := strings.ToUpper(camelToSnake(string(ed.Name()))) + "_"
	return strings.ToLower(strings.TrimPrefix(name, prefix))
}

func camelToSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func writeJSONString(buf *bytes.Buffer, s string) error {
	b, err := json.Marshal(s)
	buf.Write(b)
	return err
}
