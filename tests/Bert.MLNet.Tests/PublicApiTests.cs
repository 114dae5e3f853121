using System.Reflection;
using System.Text;

namespace Bert.MLNet.Tests;

/// <summary>
/// The public API of each shipped assembly, as a sorted list of signatures compared with the one committed in
/// <c>tests/Bert.MLNet.Tests/PublicApi/</c>, so that every change to it is deliberate and shows in review. After a
/// deliberate change, run the tests with <c>BERT_MLNET_ACCEPT_API=1</c> to rewrite the lists, and commit them.
/// </summary>
public sealed class PublicApiTests
{
    [Theory]
    [InlineData("Bert.MLNet")]
    [InlineData("Bert.MLNet.Tokenizers")]
    public void ThePublicApiIsTheCommittedOne(string assemblyName)
    {
        var assembly = Assembly.Load(assemblyName);
        var actual = Describe(assembly);
        var path = Path.Combine(Testing.RepositoryRoot.Path, "tests", "Bert.MLNet.Tests", "PublicApi", assemblyName + ".txt");
        if (Environment.GetEnvironmentVariable("BERT_MLNET_ACCEPT_API") == "1")
        {
            File.WriteAllText(path, string.Join('\n', actual) + "\n");
            return;
        }

        Assert.True(File.Exists(path), $"{path} is missing; run the tests with BERT_MLNET_ACCEPT_API=1 to write it.");
        var committed = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var added = actual.Except(committed).ToArray();
        var removed = committed.Except(actual).ToArray();
        Assert.True(added.Length == 0 && removed.Length == 0,
            $"The public API of {assemblyName} changed; if that is meant, run the tests with BERT_MLNET_ACCEPT_API=1 and commit {path}.\n" +
            string.Concat(added.Select(l => $"+ {l}\n")) + string.Concat(removed.Select(l => $"- {l}\n")));
    }

    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static string[] Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            var name = Name(type);
            lines.Add($"{name} = {Kind(type)}{Bases(type)}");
            foreach (var member in type.GetMembers(Declared).Where(Visible))
            {
                if (Member(member) is { } described)
                {
                    lines.Add($"{name}::{described}");
                }
            }
        }

        return [.. lines.Distinct().Order(StringComparer.Ordinal)];
    }

    private static bool Visible(MemberInfo member) => member switch
    {
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(a => a.IsPublic || a.IsFamily || a.IsFamilyOrAssembly),
        EventInfo e => e.AddMethod is { } add && (add.IsPublic || add.IsFamily),
        _ => false,
    };

    private static string? Member(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo m when m.IsSpecialName && !m.Name.StartsWith("op_", StringComparison.Ordinal) => null,
        MethodInfo m => $"{(m.IsStatic ? "static " : string.Empty)}{Name(m.ReturnType)} {m.Name}{Generic(m)}({Parameters(m)})",
        PropertyInfo p => $"{(p.GetAccessors(true)[0].IsStatic ? "static " : string.Empty)}{Name(p.PropertyType)} {p.Name}" +
            (p.GetIndexParameters() is { Length: > 0 } index ? $"[{string.Join(", ", index.Select(i => Name(i.ParameterType)))}]" : string.Empty) +
            " {" + (p.GetMethod is { } get && (get.IsPublic || get.IsFamily) ? " get;" : string.Empty) +
            (p.SetMethod is { } set && (set.IsPublic || set.IsFamily)
                ? set.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.Name == "IsExternalInit") ? " init;" : " set;"
                : string.Empty) + " }",
        FieldInfo f when f.IsLiteral => $"const {Name(f.FieldType)} {f.Name} = {f.GetRawConstantValue()}",
        FieldInfo f => $"{(f.IsStatic ? "static " : string.Empty)}{(f.IsInitOnly ? "readonly " : string.Empty)}{Name(f.FieldType)} {f.Name}",
        EventInfo e => $"event {Name(e.EventHandlerType!)} {e.Name}",
        _ => null,
    };

    private static string Kind(Type type) =>
        type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct"
        : typeof(Delegate).IsAssignableFrom(type) ? "delegate"
        : type.IsAbstract && type.IsSealed ? "static class" : type.IsAbstract ? "abstract class" : type.IsSealed ? "sealed class" : "class";

    private static string Bases(Type type)
    {
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum)
            && !typeof(Delegate).IsAssignableFrom(type))
        {
            bases.Add(Name(baseType));
        }

        bases.AddRange(type.GetInterfaces().Select(Name).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? string.Empty : " : " + string.Join(", ", bases);
    }

    private static string Generic(MethodInfo method) =>
        method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(a => a.Name))}>" : string.Empty;

    private static string Parameters(MethodBase method) => string.Join(", ", method.GetParameters().Select(p =>
        (p.IsOut ? "out " : p.ParameterType.IsByRef ? "ref " : string.Empty) + Name(p.ParameterType) + " " + p.Name +
        (p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)));

    private static string Name(Type type)
    {
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!);
        }

        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[]";
        }

        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        var name = new StringBuilder(type.IsNested ? Name(type.DeclaringType!) + "." : type.Namespace is { } ns ? ns + "." : string.Empty);
        var plain = type.Name;
        var tick = plain.IndexOf('`', StringComparison.Ordinal);
        name.Append(tick >= 0 ? plain[..tick] : plain);
        if (type.IsGenericType)
        {
            var own = type.GetGenericArguments().Skip(type.IsNested ? type.DeclaringType!.GetGenericArguments().Length : 0).ToArray();
            if (own.Length > 0)
            {
                name.Append('<').Append(string.Join(", ", own.Select(Name))).Append('>');
            }
        }

        return name.ToString();
    }
}
