using System.Net;
using System.Text.Json.Nodes;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Tests.Integration.Http;

/// <summary>What the OpenAPI document says, checked against what the service does.</summary>
public sealed class OpenApiContractTests : IntegrationTest
{
    [Test]
    public async Task Every_word_a_filter_documents_is_accepted_and_a_word_outside_them_is_refused()
    {
        var world = await NewTrialAsync();
        var document = await OpenApiDocument.ReadAsync(Api);
        var checkedFilters = 0;
        var lenient = new List<string>();
        foreach (var (route, operation) in Operations(document).Where(o => o.Method == "get").Select(o => (o.Route, o.Operation)))
        {
            foreach (var parameter in operation["parameters"]?.AsArray() ?? [])
            {
                var words = Resolve(document, parameter!["schema"])?["enum"]?.AsArray().Select(w => w!.GetValue<string>()).ToList();
                if (parameter["in"]!.GetValue<string>() != "query" || words is null)
                    continue;
                var (path, token) = route.Contains("{trialId}", StringComparison.Ordinal)
                    ? (route.Replace("{trialId}", world.TrialId.ToString()), world.Manager)
                    : (route, Admin);
                var name = parameter["name"]!.GetValue<string>();
                foreach (var word in words)
                    Assert.That((await Api.Get($"{path}?{name}={word}", token)).Code, Is.EqualTo(200), $"GET {route}?{name}={word}");
                var outside = await Api.Get($"{path}?{name}=no-such-word", token);
                if (outside.Code != 422)
                    lenient.Add($"{route}?{name} ({outside.Code})");
                checkedFilters++;
            }
        }
        Assert.That(checkedFilters, Is.GreaterThanOrEqualTo(8));
        Assert.That(lenient, Is.Empty, "a filter's word it does not know is a 422 naming the filter");
    }

    [Test]
    public async Task Request_bodies_allow_unknown_fields_as_the_service_ignores_them()
    {
        var document = await OpenApiDocument.ReadAsync(Api);
        var body = Resolve(document, Operations(document).Single(o => o.Operation["operationId"]!.GetValue<string>() == "CreateUser")
            .Operation["requestBody"]!["content"]!["application/json"]!["schema"])!;
        Assert.That(body["additionalProperties"]?.GetValue<bool>() ?? true, Is.True);
        var created = await Api.Post("/users", new { userName = "amira", displayName = "Amira", email = "amira@example.org", nickname = "A" }, Admin);
        Assert.That(created.Code, Is.EqualTo(201), created.ToString());
    }

    [Test]
    public async Task The_arm_of_a_cluster_or_participant_is_documented_as_optional_as_blinded_readers_never_get_it()
    {
        var schemas = (await OpenApiDocument.ReadAsync(Api))["components"]!["schemas"]!;
        foreach (var view in new[] { "ClusterView", "ParticipantView" })
        {
            Assert.That(schemas[view]!["required"]!.AsArray().Select(r => r!.GetValue<string>()), Does.Not.Contain("arm"), view);
            Assert.That(schemas[view]!["properties"]!["arm"]!["nullable"], Is.Null, $"{view}: an arm is left out, never null");
        }
        var world = await NewTrialAsync();
        var blinded = await Api.Get($"{world.Path}/clusters/{world.ClusterA}", world.ResearcherA);
        Assert.That(blinded.Json!.AsObject().ContainsKey("arm"), Is.False);
    }

    [Test]
    public async Task The_four_former_bare_lists_answer_items_and_a_cursor_and_page()
    {
        var world = await NewTrialAsync();
        var (userId, _) = await TrialWorld.NewUserAsync(Api, "pager");
        await TrialWorld.Expect(HttpStatusCode.Created, Api.Post($"/users/{userId}/tokens", new { name = "second" }, Admin));
        var first = await Api.Get($"/users/{userId}/tokens?limit=1", Admin);
        Assert.That(first["items"].AsArray(), Has.Count.EqualTo(1));
        var second = await Api.Get($"/users/{userId}/tokens?limit=1&cursor={first["nextCursor"].GetValue<string>()}", Admin);
        Assert.That(second["items"].AsArray().Single()!["name"]!.GetValue<string>(), Is.EqualTo("second"));
        Assert.That(second.Json!["nextCursor"], Is.Null);

        await TrialWorld.Expect(HttpStatusCode.Created, Api.Post($"{world.Path}/audit/checkpoints", null, world.Monitor));
        foreach (var list in new[] { "members", "timepoints", "audit/checkpoints" })
        {
            var page = await Api.Get($"{world.Path}/{list}", world.Manager);
            Assert.That(page.Json, Is.TypeOf<JsonObject>(), list);
            Assert.That(page.Json!.AsObject().Select(p => p.Key), Is.EquivalentTo(new[] { "items", "nextCursor" }), list);
        }
    }

    [Test]
    public async Task Every_entry_of_the_vocabulary_names_a_field_or_parameter_that_exists()
    {
        var document = await OpenApiDocument.ReadAsync(Api);
        static bool Has(Type type, string field) =>
            RequiredFields.Properties(type).Any(p => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(p.Name) == field);
        Assert.Multiple(() =>
        {
            foreach (var (type, field) in OpenApiVocabulary.Fields.Keys.Concat(OpenApiVocabulary.Shapes.Keys))
                Assert.That(Has(type, field), $"{type.Name}.{field}");
            foreach (var (type, fields) in OpenApiVocabulary.RequiredByHandlers)
                foreach (var field in fields)
                    Assert.That(Has(type, field), $"{type.Name}.{field}");
            foreach (var (route, parameter) in OpenApiVocabulary.Parameters.Keys)
                Assert.That(Operations(document).Where(o => o.Route == "/" + route)
                    .SelectMany(o => o.Operation["parameters"]?.AsArray() ?? []).Any(p => p!["name"]!.GetValue<string>() == parameter), $"{route} {parameter}");
        });
    }

    private static IEnumerable<(string Route, string Method, JsonNode Operation)> Operations(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Select(operation => (path.Key, operation.Key, operation.Value!)));

    private static JsonNode? Resolve(JsonNode document, JsonNode? schema) =>
        schema?["$ref"]?.GetValue<string>() is { } reference
            ? document["components"]!["schemas"]![reference.Split('/')[^1]]
            : schema;
}
