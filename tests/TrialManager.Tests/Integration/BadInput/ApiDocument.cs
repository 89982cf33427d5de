using System.Text.Json.Nodes;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>A documented parameter: where it goes, and its schema's type and format.</summary>
public sealed record Parameter(string Name, string In, string? Type, string? Format, bool Required);

/// <summary>One operation of the OpenAPI document, its parameters and its JSON request body's schema (references resolved lazily).</summary>
public sealed record Operation(string Method, string Template, IReadOnlyList<Parameter> Parameters, JsonNode? BodySchema)
{
    /// <summary>Whether the operation needs no credentials (its security requirements are an empty list).</summary>
    public bool Anonymous { get; init; }

    /// <summary>"POST /api/v1/trials/{trialId}/sites", as the rows of <see cref="ValidRequests"/> name it.</summary>
    public string Key => $"{Method} {Template}";

    public bool IsRead => Method is "GET" or "HEAD";
}

/// <summary>The running app's OpenAPI document, read as operations with schemas to walk.</summary>
public sealed class ApiDocument
{
    private readonly JsonNode _document;

    private ApiDocument(JsonNode document) => _document = document;

    public IReadOnlyList<Operation> Operations { get; private set; } = [];

    public static async Task<ApiDocument> ReadAsync(ApiClient api)
    {
        var response = await api.Get("/swagger/v1/swagger.json");
        Assert.That(response.Code, Is.EqualTo(200), "the OpenAPI document");
        var document = new ApiDocument(response.Json!);
        document.Operations = document.ReadOperations().ToList();
        return document;
    }

    private IEnumerable<Operation> ReadOperations()
    {
        foreach (var (template, item) in _document["paths"]!.AsObject())
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method == "parameters")
                    continue;
                var parameters = (operation!["parameters"]?.AsArray() ?? []).Select(p => Resolve(p)!).Select(p => new Parameter(
                    p["name"]!.GetValue<string>(), p["in"]!.GetValue<string>(), Resolve(p["schema"])?["type"]?.GetValue<string>(),
                    Resolve(p["schema"])?["format"]?.GetValue<string>(), p["required"]?.GetValue<bool>() ?? false)).ToList();
                var body = operation["requestBody"]?["content"]?.AsObject()
                    .Where(c => c.Key.Contains("json", StringComparison.Ordinal)).Select(c => c.Value?["schema"]).FirstOrDefault();
                yield return new Operation(method.ToUpperInvariant(), template, parameters, body)
                {
                    Anonymous = operation["security"] is JsonArray { Count: 0 },
                };
            }
    }

    /// <summary>Follows a `$ref` to its schema.</summary>
    public JsonNode? Resolve(JsonNode? schema)
    {
        while (schema?["$ref"]?.GetValue<string>() is { } reference)
            schema = reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Aggregate<string, JsonNode?>(_document, (node, part) => node?[part.Replace("~1", "/").Replace("~0", "~")]);
        return schema;
    }
}
