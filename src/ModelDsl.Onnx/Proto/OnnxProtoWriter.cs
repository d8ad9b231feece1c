using System.Text;
using Google.Protobuf;

namespace ModelDsl.Onnx.Proto;

/// <summary>
/// Protobuf wire encoding of the ONNX messages the exporter needs, field numbers from onnx.proto (proto2: repeated
/// int64 fields such as <c>dims</c> and <c>ints</c> are unpacked). A nested message is encoded to bytes first so its
/// length prefix is known; the largest copies are the weights, once per enclosing level.
/// </summary>
public static class OnnxProtoWriter
{
    public static void Write(ModelProto model, Stream output)
    {
        var o = new CodedOutputStream(output, leaveOpen: true);
        WriteModel(o, model);
        o.Flush();
    }

    public static byte[] ToByteArray(ModelProto model) => Encode(o => WriteModel(o, model));

    private static void WriteModel(CodedOutputStream o, ModelProto m)
    {
        Int64(o, 1, m.IrVersion);                                   // ir_version
        String(o, 2, m.ProducerName);                               // producer_name
        String(o, 3, m.ProducerVersion);                            // producer_version
        if (m.DocString.Length > 0) String(o, 6, m.DocString);      // doc_string
        Message(o, 7, Encode(g => WriteGraph(g, m.Graph)));         // graph
        Message(o, 8, Encode(s =>                                   // opset_import: the default domain ("" is omitted)
        {
            Int64(s, 2, m.OpsetVersion);                            // OperatorSetIdProto.version
        }));
        foreach (var (key, value) in m.MetadataProps)               // metadata_props: StringStringEntryProto
            Message(o, 14, Encode(e => { String(e, 1, key); String(e, 2, value); }));
    }

    private static void WriteGraph(CodedOutputStream o, GraphProto g)
    {
        foreach (var node in g.Nodes) Message(o, 1, Encode(n => WriteNode(n, node)));          // node
        String(o, 2, g.Name);                                                                    // name
        foreach (var t in g.Initializers) Message(o, 5, Encode(e => WriteTensor(e, t)));       // initializer
        foreach (var v in g.Inputs) Message(o, 11, Encode(e => WriteValueInfo(e, v)));         // input
        foreach (var v in g.Outputs) Message(o, 12, Encode(e => WriteValueInfo(e, v)));        // output
    }

    private static void WriteNode(CodedOutputStream o, NodeProto n)
    {
        foreach (var input in n.Inputs) String(o, 1, input);                                    // input
        foreach (var output in n.Outputs) String(o, 2, output);                                 // output
        String(o, 3, n.Name);                                                                    // name
        String(o, 4, n.OpType);                                                                  // op_type
        foreach (var a in n.Attributes) Message(o, 5, Encode(e => WriteAttribute(e, a)));      // attribute
    }

    private static void WriteAttribute(CodedOutputStream o, AttributeProto a)
    {
        String(o, 1, a.Name);                                       // name
        switch (a.Kind)
        {
            case AttributeKind.Float:
                o.WriteTag(2, WireFormat.WireType.Fixed32);         // f
                o.WriteFloat(a.Float);
                break;
            case AttributeKind.Int:
                Int64(o, 3, a.Int);                                 // i
                break;
            case AttributeKind.String:
                Bytes(o, 4, Encoding.UTF8.GetBytes(a.String!));     // s (bytes)
                break;
            case AttributeKind.Tensor:
                Message(o, 5, Encode(t => WriteTensor(t, a.Tensor!))); // t
                break;
            case AttributeKind.Ints:
                foreach (var i in a.Ints!) Int64(o, 8, i);          // ints
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(a), a.Kind, "Unknown attribute kind.");
        }
        Int64(o, 20, (long)a.Kind);                                 // type
    }

    private static void WriteTensor(CodedOutputStream o, TensorProto t)
    {
        foreach (var d in t.Dims) Int64(o, 1, d);                   // dims
        Int64(o, 2, (long)t.DataType);                              // data_type
        if (t.Name.Length > 0) String(o, 8, t.Name);                // name
        Bytes(o, 9, t.RawData);                                     // raw_data
    }

    private static void WriteValueInfo(CodedOutputStream o, ValueInfoProto v)
    {
        String(o, 1, v.Name);                                       // name
        Message(o, 2, Encode(type =>                                // type: TypeProto
            Message(type, 1, Encode(tensor =>                       // tensor_type: TypeProto.Tensor
            {
                Int64(tensor, 1, (long)v.ElementType);              // elem_type
                Message(tensor, 2, Encode(shape =>                  // shape: TensorShapeProto
                {
                    foreach (var d in v.Shape)
                        Message(shape, 1, Encode(dim =>             // dim
                        {
                            if (d.Param is { } param) String(dim, 2, param); // dim_param
                            else Int64(dim, 1, d.Value);            // dim_value
                        }));
                }));
            }))));
        if (v.DocString.Length > 0) String(o, 3, v.DocString);      // doc_string
    }

    private static byte[] Encode(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var o = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(o);
            o.Flush();
        }
        return buffer.ToArray();
    }

    private static void Message(CodedOutputStream o, int field, byte[] body) => Bytes(o, field, body);

    private static void Bytes(CodedOutputStream o, int field, byte[] value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(UnsafeByteOperations.UnsafeWrap(value));
    }

    private static void String(CodedOutputStream o, int field, string value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(value);
    }

    private static void Int64(CodedOutputStream o, int field, long value)
    {
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteInt64(value);
    }
}
