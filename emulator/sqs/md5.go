package sqs

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"maps"
	"slices"
	"strings"
)

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// md5OfAttributes is SQS's digest of message attributes: for each attribute
// in name order, the name, the data type (each length-prefixed, 4-byte
// big-endian), a transport byte (1 for String and Number, 2 for Binary) and
// the length-prefixed value. It is "" when there are no attributes.
func md5OfAttributes(attrs map[string]Attribute) string {
	if len(attrs) == 0 {
		return ""
	}
	h := md5.New()
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		a := attrs[name]
		writeField(h, []byte(name))
		writeField(h, []byte(a.DataType))
		if strings.HasPrefix(a.DataType, "Binary") {
			h.Write([]byte{2})
			writeField(h, a.BinaryValue)
		} else {
			h.Write([]byte{1})
			writeField(h, []byte(deref(a.StringValue)))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeField(h hash.Hash, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
