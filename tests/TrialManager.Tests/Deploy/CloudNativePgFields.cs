using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace TrialManager.Tests.Deploy;

/// <summary>
/// The fields of CloudNativePG's `Cluster` and `Pooler` (postgresql.cnpg.io/v1) that deploy/kubernetes uses, with
/// their types and allowed values, written from the operator's API reference (api/v1/cluster_types.go and
/// pooler_types.go). KubernetesClient knows no custom resource, so these objects are checked here, as strictly: a
/// field not listed is an error. Using another field means adding it here, checked against that reference.
/// </summary>
public static class CloudNativePgFields
{
    public const string ApiVersion = "postgresql.cnpg.io/v1";

    private abstract record Field;

    private sealed record Text(params string[] Allowed) : Field;

    private sealed record Integer : Field;

    private sealed record Flag : Field;

    private sealed record Object(Dictionary<string, Field> Fields, params string[] Required) : Field;

    private sealed record ListOf(Field Item) : Field;

    /// <summary>A resource quantity: a number or a string (x-kubernetes-int-or-string).</summary>
    private sealed record Quantity : Field;

    /// <summary>A map with free keys, e.g. map[string]string for PostgreSQL parameters.</summary>
    private sealed record MapOf(Field Value) : Field;

    private static readonly Field TextMap = new MapOf(new Text());

    private static readonly Field LocalObjectReference = new Object(new() { ["name"] = new Text() }, "name");

    private static readonly Field Resources = new Object(new()
    {
        ["requests"] = new MapOf(new Quantity()),
        ["limits"] = new MapOf(new Quantity()),
    });

    private static readonly Field Metadata = new Object(new()
    {
        ["name"] = new Text(),
        ["namespace"] = new Text(),
        ["labels"] = TextMap,
        ["annotations"] = TextMap,
    }, "name");

    private static readonly Field Cluster = Resource(new Object(new()
    {
        ["instances"] = new Integer(),
        ["imageName"] = new Text(),
        ["primaryUpdateStrategy"] = new Text("unsupervised", "supervised"),
        ["storage"] = new Object(new() { ["size"] = new Text(), ["storageClass"] = new Text() }),
        ["resources"] = Resources,
        ["postgresql"] = new Object(new() { ["parameters"] = TextMap }),
        ["bootstrap"] = new Object(new()
        {
            ["initdb"] = new Object(new()
            {
                ["database"] = new Text(),
                ["owner"] = new Text(),
                ["dataChecksums"] = new Flag(),
                ["postInitApplicationSQL"] = new ListOf(new Text()),
            }),
        }),
        ["managed"] = new Object(new()
        {
            ["roles"] = new ListOf(new Object(new()
            {
                ["name"] = new Text(),
                ["ensure"] = new Text("present", "absent"),
                ["login"] = new Flag(),
                ["comment"] = new Text(),
                ["passwordSecret"] = LocalObjectReference,
            }, "name")),
        }),
    }, "instances"));

    private static readonly Field Pooler = Resource(new Object(new()
    {
        ["cluster"] = LocalObjectReference,
        ["instances"] = new Integer(),
        ["type"] = new Text("rw", "ro", "r"),
        ["pgbouncer"] = new Object(new()
        {
            ["poolMode"] = new Text("session", "transaction"),
            ["parameters"] = TextMap,
        }),
    }, "cluster", "pgbouncer"));

    private static Object Resource(Object spec) => new(new()
    {
        ["apiVersion"] = new Text(ApiVersion),
        ["kind"] = new Text(),
        ["metadata"] = Metadata,
        ["spec"] = spec,
    }, "apiVersion", "kind", "metadata", "spec");

    public static bool Knows(string kind) => kind is "Cluster" or "Pooler";

    /// <summary>Every problem of one object, each with the path of its field; empty when the object is valid.</summary>
    public static IReadOnlyList<string> Problems(string kind, YamlMappingNode resource)
    {
        var problems = new List<string>();
        Check(kind == "Cluster" ? Cluster : Pooler, resource, kind, problems);
        return problems;
    }

    private static void Check(Field field, YamlNode node, string path, List<string> problems)
    {
        switch (field)
        {
            case Object obj when node is YamlMappingNode mapping:
                var keys = mapping.Children.Keys.Select(k => k.ToString()).ToList();
                problems.AddRange(keys.Where(k => !obj.Fields.ContainsKey(k)).Select(k => $"{path}.{k}: unknown field"));
                problems.AddRange(obj.Required.Where(r => !keys.Contains(r)).Select(r => $"{path}.{r}: required"));
                foreach (var (key, value) in mapping.Children)
                    if (obj.Fields.TryGetValue(key.ToString(), out var child))
                        Check(child, value, $"{path}.{key}", problems);
                break;
            case ListOf list when node is YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                    Check(list.Item, sequence.Children[i], $"{path}[{i}]", problems);
                break;
            case MapOf map when node is YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                    Check(map.Value, value, $"{path}.{key}", problems);
                break;
            case Quantity when node is YamlScalarNode:
                break;
            case Text text when node is YamlScalarNode scalar:
                // A plain 200 or true is a number or a boolean to the API server, not a string.
                if (scalar.Style == ScalarStyle.Plain && (IsNumber(scalar.Value) || IsBoolean(scalar.Value)))
                    problems.Add($"{path}: a string is needed (quote {scalar.Value})");
                else if (text.Allowed.Length > 0 && !text.Allowed.Contains(scalar.Value))
                    problems.Add($"{path}: '{scalar.Value}' is not one of {string.Join(", ", text.Allowed)}");
                break;
            case Integer when node is YamlScalarNode scalar:
                if (scalar.Style != ScalarStyle.Plain || !int.TryParse(scalar.Value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    problems.Add($"{path}: an integer is needed");
                break;
            case Flag when node is YamlScalarNode scalar:
                if (scalar.Style != ScalarStyle.Plain || !IsBoolean(scalar.Value))
                    problems.Add($"{path}: true or false is needed");
                break;
            default:
                problems.Add($"{path}: a {field.GetType().Name.ToLowerInvariant()} is needed");
                break;
        }
    }

    private static bool IsNumber(string? value) => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static bool IsBoolean(string? value) => value is "true" or "false";
}
