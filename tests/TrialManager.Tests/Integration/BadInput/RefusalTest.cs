using System.Net.Http.Headers;
using System.Text;
using TrialManager.Tests.Integration.Exports;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>A bad request for one finding: how to send it in a seeded trial, and the field its refusal must name.</summary>
public sealed record BadRequest(string Name, string Field, Func<RefusalTest.Trial, Task<ApiResponse>> Send)
{
    public override string ToString() => Name;
}

/// <summary>
/// Base of the focused regression tests of the bad-input findings: each sends one bad request into a seeded trial and
/// checks principle 4 for it: a 400 or 422 problem naming the field, and no row changed.
/// </summary>
public abstract class RefusalTest : IntegrationTest
{
    private RowChanges _changes = null!;

    /// <summary>A trial of <see cref="TrialWorld"/>, with the outcomes and the sealed scheme of <see cref="ExportWorld"/> when a request needs them.</summary>
    public sealed class Trial(ApiClient api, TrialWorld world)
    {
        private bool _outcomes;

        public ApiClient Api => api;
        public TrialWorld World => world;
        public string Path => world.Path;

        /// <summary>A participant with no assessment yet, made with the outcomes.</summary>
        public Guid SpareParticipant { get; private set; }

        /// <summary>An open data query on participant A's baseline assessment, made with the outcomes.</summary>
        public Guid OpenQuery { get; private set; }

        /// <summary>The outcomes, and what the requests that need them write to, made before a test reads the change log.</summary>
        public async Task<Trial> WithOutcomesAsync()
        {
            if (_outcomes)
                return this;
            await ExportWorld.CreateAsync(api, world);
            SpareParticipant = await world.ParticipantAsync(world.ClusterA, world.ResearcherA);
            var assessments = await api.Get($"{world.Path}/participants/{world.ParticipantA}/assessments", world.Manager);
            var baseline = assessments["items"].AsArray().Single(a => a!["timepointCode"]!.GetValue<string>() == "baseline")!["id"]!.GetValue<Guid>();
            OpenQuery = (await TrialWorld.Expect(System.Net.HttpStatusCode.Created,
                api.Post($"{world.Path}/queries", new { assessmentId = baseline, question = "m1?" }, world.Monitor))).Id;
            _outcomes = true;
            return this;
        }

        public Task<ApiResponse> Send(HttpMethod method, string path, string? json, string? token, Action<HttpRequestMessage>? configure = null) =>
            api.Send(method, path, json is null ? null : new StringContent(json, Encoding.UTF8, MediaTypeHeaderValue.Parse("application/json")), token,
                configure);
    }

    [OneTimeSetUp]
    public async Task LogRowChangesAsync() => _changes = await RowChanges.InstallAsync();

    [OneTimeTearDown]
    public async Task StopLoggingAsync() => await _changes.DisposeAsync();

    protected async Task<Trial> NewTrialWorldAsync() => new(Api, await NewTrialAsync());

    /// <summary>Sends the request and asserts that it was refused as principle 4 says.</summary>
    protected async Task<ApiResponse> AssertRefusedAsync(Func<Task<ApiResponse>> send, string field)
    {
        var (response, changed) = await SendLoggedAsync(send);
        AssertProblem(response, field);
        Assert.That(changed.Select(c => c.ToString()), Is.Empty, "rows changed by a refused request");
        return response;
    }

    /// <summary>The answer, and the rows that the request changed.</summary>
    protected async Task<(ApiResponse Response, IReadOnlyList<RowChange> Changed)> SendLoggedAsync(Func<Task<ApiResponse>> send)
    {
        await _changes.TakeAsync();
        try
        {
            var response = await send();
            return (response, await _changes.TakeAsync());
        }
        catch (HttpRequestException e)
        {
            throw new AssertionException($"the answer broke off after its status line: {e.Message}");
        }
    }

    protected static void AssertProblem(ApiResponse response, string field)
    {
        if (WhatIsWrong(response, field) is { } wrong)
            Assert.Fail(wrong);
    }

    /// <summary>What keeps the answer from being the refusal principle 4 asks for: a 400 or 422 problem with a violation of the field.</summary>
    protected static string? WhatIsWrong(ApiResponse response, string field)
    {
        if (response.Code is not (400 or 422) || response.ContentType != "application/problem+json")
            return $"expected a 400 or 422 problem naming '{field}', got {response}";
        var fields = (response.Json?["violations"]?.AsArray() ?? []).Select(v => v?["field"]?.GetValue<string>() ?? "");
        return fields.Any(f => Barrage.Related(f, field)) ? null : $"no violation names '{field}': {response}";
    }

    private const string TwoItems = """
        [{"code": "w1", "label": "Low mood", "type": "integer", "min": 0, "max": 4, "required": true},
         {"code": "w2", "label": "Hope", "type": "integer", "min": 0, "max": 4, "required": false}]
        """;

    private const string RefusedCode = """[{"value": -99, "label": "refused"}]""";

    /// <summary>The instrument definition of the tests, with one part replaced by raw JSON.</summary>
    protected static string Instrument(string? items = null, string? scales = null, string? missingCodes = null, string title = "\"Wellbeing\"",
        string reason = "null") =>
        $"{{\"code\": \"WB\", \"title\": {title}, \"source\": \"test\", \"reason\": {reason}, \"items\": {items ?? TwoItems}, " +
        $"\"scales\": {scales ?? Scale()}, \"missingCodes\": {missingCodes ?? RefusedCode}}}";

    protected static string Scale(string code = "\"total\"", string items = """["w1", "w2"]""", string multiplier = "null") =>
        $"[{{\"code\": {code}, \"label\": \"Total\", \"items\": {items}, \"method\": \"sum\", \"reverseItems\": [], \"minAnswered\": 1, " +
        $"\"prorate\": false, \"multiplier\": {multiplier}}}]";

    protected static Task<ApiResponse> PostInstrument(Trial t, string json) => t.Send(HttpMethod.Post, $"{t.Path}/instruments", json, t.World.Manager);

    protected static string Quoted(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
