using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;

namespace Slipway.Tests.TestSupport;

/// <summary>
/// Which types of a compiled assembly reference which, read from its metadata: base types,
/// interfaces, generic constraints, fields, properties, events, method signatures, custom
/// attributes, local variables and every token in the method bodies' IL. A nested type (including
/// the compiler's closures and state machines) counts as its outermost declaring type.
/// </summary>
/// <remarks>
/// Not visible in metadata: constants (<c>const</c> values are copied into the IL of their users),
/// so <see cref="ConstantUses"/> finds those in the source; enum values and <c>typeof</c> in
/// attribute arguments are not seen.
/// </remarks>
public static partial class TypeReferences
{
    /// <summary>One reference between two types of the assembly, by full name.</summary>
    public readonly record struct Edge(string From, string To)
    {
        public override string ToString() => $"{From} → {To}";
    }

    /// <summary>Every reference between two different top-level types whose namespace starts with <paramref name="namespacePrefix"/>.</summary>
    public static IReadOnlySet<Edge> Read(string assemblyPath, string namespacePrefix)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new NameProvider(md);
        var edges = new HashSet<Edge>();
        bool Ours(string name) => name.StartsWith(namespacePrefix + ".", StringComparison.Ordinal);

        foreach (var typeHandle in md.TypeDefinitions)
        {
            var from = names.Outermost(typeHandle);
            if (!Ours(from))
            {
                continue;
            }
            void AddAll(IEnumerable<string> targets)
            {
                foreach (var to in targets)
                {
                    if (to != from && Ours(to))
                    {
                        edges.Add(new Edge(from, to));
                    }
                }
            }
            void Attributes(CustomAttributeHandleCollection attributes)
            {
                foreach (var a in attributes)
                {
                    AddAll(names.Owner(md.GetCustomAttribute(a).Constructor));
                }
            }
            void Constraints(GenericParameterHandleCollection parameters)
            {
                foreach (var p in parameters)
                {
                    foreach (var c in md.GetGenericParameter(p).GetConstraints())
                    {
                        AddAll(names.Of(md.GetGenericParameterConstraint(c).Type));
                    }
                }
            }

            var type = md.GetTypeDefinition(typeHandle);
            if (!type.BaseType.IsNil)
            {
                AddAll(names.Of(type.BaseType));
            }
            foreach (var i in type.GetInterfaceImplementations())
            {
                AddAll(names.Of(md.GetInterfaceImplementation(i).Interface));
            }
            Attributes(type.GetCustomAttributes());
            Constraints(type.GetGenericParameters());
            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                AddAll(field.DecodeSignature(names, null));
                Attributes(field.GetCustomAttributes());
            }
            foreach (var p in type.GetProperties())
            {
                var property = md.GetPropertyDefinition(p);
                AddAll(Flatten(property.DecodeSignature(names, null)));
                Attributes(property.GetCustomAttributes());
            }
            foreach (var e in type.GetEvents())
            {
                var @event = md.GetEventDefinition(e);
                AddAll(names.Of(@event.Type));
                Attributes(@event.GetCustomAttributes());
            }
            foreach (var m in type.GetMethods())
            {
                var method = md.GetMethodDefinition(m);
                AddAll(Flatten(method.DecodeSignature(names, null)));
                Attributes(method.GetCustomAttributes());
                Constraints(method.GetGenericParameters());
                foreach (var p in method.GetParameters())
                {
                    Attributes(md.GetParameter(p).GetCustomAttributes());
                }
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }
                var body = pe.GetMethodBody(method.RelativeVirtualAddress);
                if (!body.LocalSignature.IsNil)
                {
                    AddAll(md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(names, null).SelectMany(x => x));
                }
                foreach (var token in Tokens(body.GetILReader()))
                {
                    AddAll(names.Owner(MetadataTokens.EntityHandle(token)));
                }
            }
        }
        return edges;
    }

    /// <summary>
    /// Uses of a constant (<c>Type.Constant</c>) declared in a .cs file under <paramref name="sourceRoot"/>
    /// by code (comments removed) under it, as an edge from the type declared last above the use to
    /// the constant's type. The compiler copies constants into their users' IL, where <see cref="Read"/>
    /// cannot see them.
    /// </summary>
    public static IReadOnlySet<Edge> ConstantUses(string sourceRoot)
    {
        var files = Directory.GetFiles(sourceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => Code(File.ReadAllText(f)))
            .ToList();
        string? TypeAt(string code, int position)
        {
            var ns = NamespacePattern().Matches(code[..position]).LastOrDefault();
            var type = TypeDeclarationPattern().Matches(code[..position]).LastOrDefault();
            return ns is not null && type is not null ? $"{ns.Groups[1].Value}.{type.Groups[1].Value}" : null;
        }
        var constants = files.SelectMany(code => ConstantPattern().Matches(code)
                .Select(m => (Type: TypeAt(code, m.Index), Name: m.Groups[1].Value)))
            .Where(c => c.Type is not null)
            .ToList();
        var edges = new HashSet<Edge>();
        foreach (var code in files)
        {
            foreach (var (type, name) in constants)
            {
                var simple = type![(type!.LastIndexOf('.') + 1)..];
                foreach (Match use in Regex.Matches(code, $@"\b{simple}\.{name}\b"))
                {
                    if (TypeAt(code, use.Index) is { } from && from != type)
                    {
                        edges.Add(new Edge(from, type));
                    }
                }
            }
        }
        return edges;
    }

    /// <summary>The code of a C# file without its comments.</summary>
    private static string Code(string text) => CommentPattern().Replace(text, "");

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex CommentPattern();

    [GeneratedRegex(@"^\s*namespace ([\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex NamespacePattern();

    [GeneratedRegex(@"\b(?:class|struct|record|interface|enum) (\w+)")]
    private static partial Regex TypeDeclarationPattern();

    [GeneratedRegex(@"\b(?:public|internal) const [\w<>?\[\]]+ (\w+) =")]
    private static partial Regex ConstantPattern();

    private static IEnumerable<string> Flatten(MethodSignature<ImmutableArray<string>> signature) =>
        signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(p => p));

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The metadata tokens (fields, methods, types, signatures) in a method body's IL; strings are skipped.</summary>
    private static IEnumerable<int> Tokens(BlobReader il)
    {
        var tokens = new List<int>();
        while (il.RemainingBytes > 0)
        {
            short value = il.ReadByte();
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il.ReadByte());
            }
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                    tokens.Add(il.ReadInt32());
                    break;
                case OperandType.InlineSig:
                case OperandType.InlineString:
                case OperandType.InlineI:
                case OperandType.InlineBrTarget:
                case OperandType.ShortInlineR:
                    il.ReadInt32();
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    il.ReadInt64();
                    break;
                case OperandType.InlineVar:
                    il.ReadInt16();
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    il.ReadByte();
                    break;
                case OperandType.InlineSwitch:
                    var count = il.ReadInt32();
                    il.Offset += 4 * count;
                    break;
                case OperandType.InlineNone:
                    break;
                default:
                    throw new InvalidOperationException($"IL operand type {op.OperandType} of {op.Name} is not handled");
            }
        }
        return tokens;
    }

    /// <summary>Full names of the types a signature or handle mentions (generic arguments included).</summary>
    private sealed class NameProvider : ISignatureTypeProvider<ImmutableArray<string>, object?>
    {
        private readonly MetadataReader _md;

        public NameProvider(MetadataReader md) => _md = md;

        /// <summary>The full name of the outermost type declaring <paramref name="handle"/> (the type itself when it is not nested).</summary>
        public string Outermost(TypeDefinitionHandle handle)
        {
            var type = _md.GetTypeDefinition(handle);
            while (type.IsNested)
            {
                handle = type.GetDeclaringType();
                type = _md.GetTypeDefinition(handle);
            }
            var ns = _md.GetString(type.Namespace);
            var name = _md.GetString(type.Name);
            return ns.Length == 0 ? name : $"{ns}.{name}";
        }

        private string Outermost(TypeReferenceHandle handle)
        {
            var type = _md.GetTypeReference(handle);
            while (type.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                type = _md.GetTypeReference((TypeReferenceHandle)type.ResolutionScope);
            }
            var ns = _md.GetString(type.Namespace);
            var name = _md.GetString(type.Name);
            return ns.Length == 0 ? name : $"{ns}.{name}";
        }

        /// <summary>The types a type handle (definition, reference or specification) names.</summary>
        public ImmutableArray<string> Of(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => ImmutableArray.Create(Outermost((TypeDefinitionHandle)handle)),
            HandleKind.TypeReference => ImmutableArray.Create(Outermost((TypeReferenceHandle)handle)),
            HandleKind.TypeSpecification => _md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null),
            _ => ImmutableArray<string>.Empty,
        };

        /// <summary>The types a token in IL (or an attribute's constructor) refers to: a type, or a member's declaring type and signature.</summary>
        public IEnumerable<string> Owner(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                case HandleKind.TypeReference:
                case HandleKind.TypeSpecification:
                    return Of(handle);
                case HandleKind.MethodDefinition:
                    return new[] { Outermost(_md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType()) };
                case HandleKind.FieldDefinition:
                    return new[] { Outermost(_md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType()) };
                case HandleKind.MemberReference:
                    var member = _md.GetMemberReference((MemberReferenceHandle)handle);
                    var signature = member.GetKind() == MemberReferenceKind.Method
                        ? Flatten(member.DecodeMethodSignature(this, null))
                        : member.DecodeFieldSignature(this, null);
                    return Owner(member.Parent).Concat(signature);
                case HandleKind.MethodSpecification:
                    var spec = _md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    return Owner(spec.Method).Concat(spec.DecodeSignature(this, null).SelectMany(x => x));
                default:
                    return Array.Empty<string>();
            }
        }

        public ImmutableArray<string> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => ImmutableArray.Create(Outermost(handle));
        public ImmutableArray<string> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => ImmutableArray.Create(Outermost(handle));
        public ImmutableArray<string> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
        public ImmutableArray<string> GetPrimitiveType(PrimitiveTypeCode typeCode) => ImmutableArray<string>.Empty;
        public ImmutableArray<string> GetSZArrayType(ImmutableArray<string> elementType) => elementType;
        public ImmutableArray<string> GetArrayType(ImmutableArray<string> elementType, ArrayShape shape) => elementType;
        public ImmutableArray<string> GetByReferenceType(ImmutableArray<string> elementType) => elementType;
        public ImmutableArray<string> GetPointerType(ImmutableArray<string> elementType) => elementType;
        public ImmutableArray<string> GetPinnedType(ImmutableArray<string> elementType) => elementType;
        public ImmutableArray<string> GetGenericInstantiation(ImmutableArray<string> genericType, ImmutableArray<ImmutableArray<string>> typeArguments) =>
            genericType.AddRange(typeArguments.SelectMany(x => x));
        public ImmutableArray<string> GetGenericMethodParameter(object? genericContext, int index) => ImmutableArray<string>.Empty;
        public ImmutableArray<string> GetGenericTypeParameter(object? genericContext, int index) => ImmutableArray<string>.Empty;
        public ImmutableArray<string> GetFunctionPointerType(MethodSignature<ImmutableArray<string>> signature) => Flatten(signature).ToImmutableArray();
        public ImmutableArray<string> GetModifiedType(ImmutableArray<string> modifier, ImmutableArray<string> unmodifiedType, bool isRequired) => unmodifiedType;
    }
}
