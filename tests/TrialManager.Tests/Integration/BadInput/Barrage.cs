using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>An answer as received: status (0 when the response broke off, or never came), media type, headers and body.</summary>
public sealed record Answer(int Status, string? ContentType, HttpResponseHeaders? Headers, string Body)
{
    public bool Responded => Headers is not null;

    public bool Accepted => Status is >= 200 and < 300;
    public bool Broken => Status is 0 or >= 500;

    public string Describe() => $"→ {(Status == 0 ? "response broke off" : Status)} {ContentType} {Probe.Shorten(Body, 300)}";
}

/// <summary>
/// Sends every mutation of every operation's valid request, as the caller who may make it and (a seeded sample) as
/// every other caller, and checks each answer against principle 4 of the design: no 5xx; an error is problem details
/// with the request id, and a 400 or 422 lists violations naming the field; a refused request changes no row; input
/// the catalogue knows is bad is refused; accepted input leaves the stored data readable.
/// </summary>
public sealed partial class Barrage(BadInputWorld world, ApiDocument document, RowChanges changes, Random random, Findings findings)
{
    private const int SampledMutationsPerOtherCaller = 2;

    private readonly HashSet<string> _brokenReads = [];
    private readonly List<string> _acceptedSinceCanary = [];

    public int Requests { get; private set; }
    public int PermittedRequests { get; private set; }

    [GeneratedRegex(@"System\.[A-Z]|Microsoft\.[A-Z]|Nullable|Int32|Int64|DateTimeOffset|DateOnly|JsonElement|\bGuid\b")]
    private static partial Regex DotNetTypeNames();

    public async Task RunAsync()
    {
        await CanaryAsync("the seeded world");
        foreach (var operation in ValidRequests.Rows.Select(r => r.Operation).Distinct())
        {
            // An operation the document no longer has is Every_documented_operation_has_a_valid_request_to_mutate's to report.
            if (document.Operations.SingleOrDefault(o => o.Key == operation) is not { } op)
                continue;
            var rows = ValidRequests.Rows.Where(r => r.Operation == operation).ToList();
            for (var i = 0; i < rows.Count; i++)
                await RunRowAsync(op, rows[i], wholeRequest: i == 0);
            if (!op.IsRead)
                await CanaryAsync($"the accepted requests of {operation}");
        }
    }

    private async Task RunRowAsync(Operation op, Row row, bool wholeRequest)
    {
        var sample = await row.Make(world);
        var mutations = new List<Mutation>();
        if (sample.Body is not null)
            mutations.AddRange(Catalogue.BodyFields(document, op, JsonSerializer.SerializeToNode(sample.Body, JsonSerializerOptions.Web)!,
                row.AbsentFields, random));
        if (wholeRequest)
        {
            if (op.BodySchema is not null)
                mutations.AddRange(Catalogue.WholeBody(op.Key));
            foreach (var parameter in op.Parameters)
                mutations.AddRange(parameter.In switch
                {
                    "query" => Catalogue.QueryParameter(parameter),
                    // A system admin may see every trial: another trial's id names something they can see.
                    "path" => Catalogue.PathParameter(parameter,
                        parameter.Name == "trialId" && row.Caller == "system admin" ? null : world.IdsOfAnotherTrial(sample.Path).GetValueOrDefault(parameter.Name),
                        op.IsRead, random),
                    _ => [],
                });
            mutations.AddRange(Catalogue.Headers(op, Failing(op), random));
        }

        await ExchangeAsync(op, row, Mutation.None, row.Caller);
        foreach (var mutation in mutations)
            await ExchangeAsync(op, row, mutation, row.Caller);
        var others = BadInputWorld.MainTrialCallers.Where(c => c != row.Caller);
        foreach (var caller in others)
        {
            await ExchangeAsync(op, row, Mutation.None, caller);
            for (var i = 0; i < SampledMutationsPerOtherCaller && mutations.Count > 0; i++)
                await ExchangeAsync(op, row, mutations[random.Next(mutations.Count)], caller);
        }
    }

    /// <summary>A request of the operation that the service refuses: malformed JSON, or an id that names nothing.</summary>
    private Func<Probe, Probe> Failing(Operation op)
    {
        if (op.BodySchema is not null)
            return p => p.WithJson("{\"broken\": ");
        if (op.Parameters.FirstOrDefault(p => p.In == "path" && p.Format == "uuid") is { } id)
        {
            var unknown = Catalogue.NewId(random).ToString();
            return p => p.WithPathValue(id.Name, unknown);
        }
        return p => p.WithHeader("Authorization", "Bearer not-a-token") with { Token = null };
    }

    private static Probe ProbeOf(Operation op, Valid valid, string? token) => new(op.Method, op.Template,
        valid.Path.ToDictionary(p => p.Key, p => Uri.EscapeDataString(Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture)!)),
        "", new Dictionary<string, string>(), valid.Body is null ? null : JsonSerializer.SerializeToUtf8Bytes(valid.Body, JsonSerializerOptions.Web),
        valid.Body is null ? null : "application/json", token);

    private async Task ExchangeAsync(Operation op, Row row, Mutation mutation, string caller)
    {
        var valid = await row.Make(world);
        var token = world.Callers[caller];
        var probe = mutation.Apply(ProbeOf(op, valid, token));
        if (mutation.Prepare is { } prepare && (await SendAsync(prepare(ProbeOf(op, valid, token)))).Accepted)
            await SettleAsync();
        await changes.TakeAsync();

        var answer = await SendAsync(probe);
        Requests++;
        var permitted = caller == row.Caller;
        if (permitted)
            PermittedRequests++;
        if (answer.Accepted)
            await SettleAsync();
        var writes = await changes.TakeAsync();

        var operation = row.Variant.Length == 0 ? op.Key : $"{op.Key} ({row.Variant})";
        void Fail(string category, string? detail = null) => findings.Add(category, operation, mutation.Kind, answer.Status, mutation.Target,
            $"{probe.Describe(caller)}\n  {answer.Describe()}{(detail is null ? "" : $"\n  {detail}")}");

        // Kestrel may refuse a body over the limit (Limits:MaxRequestBodyBytes, 1 MiB) by closing the connection before
        // the client has sent it all: a huge body, or a list repeated 10,000 times.
        if (answer.Broken && !(probe.Body?.Length > 1024 * 1024 && !answer.Responded))
            Fail(mutation != Mutation.None && op.IsRead && (await SendAsync(ProbeOf(op, await row.Make(world), world.Callers[row.Caller]))).Broken
                ? Findings.StateBroken
                : Findings.ServerError);
        if (!answer.Accepted && writes.Count > 0)
            Fail(Findings.RefusedButWrote, "changed: " + string.Join(", ", writes.GroupBy(w => w.ToString()).Select(g => $"{g.Key} ×{g.Count()}")));
        if (mutation.RefusedByServer && answer.Status == 400 && writes.Count == 0)
            return;
        if (answer.Status != 0 && answer.Headers?.Contains("X-Request-Id") != true)
            Fail(Findings.NoRequestId);
        if (answer.Status is >= 400 and < 500)
            CheckProblem(answer, permitted && mutation.Kind is not ("missing" or "null") ? mutation.Names : null, Fail);

        if (mutation.Expects == 401 && answer.Status != 401 || permitted && mutation.Expects is { } expected and not 401 && answer.Status != expected)
            Fail(Findings.WrongStatus, $"expected {mutation.Expects}");
        if (!permitted)
            return;
        if (mutation == Mutation.None && (row.Expected is { } status ? answer.Status != status : !answer.Accepted))
            Fail(Findings.ValidRefused);
        if (!answer.Accepted)
            return;
        if (!op.IsRead)
            _acceptedSinceCanary.Add($"{operation} {mutation.Kind} {mutation.Target}");
        if (mutation.MustRefuse is { } why)
        {
            Fail(Findings.MustRefuse, why);
            await CanaryAsync($"{operation} accepting {mutation.Kind} in {mutation.Target}");
        }
        if (row.Restore is { } restore)
        {
            await restore(world);
            await changes.TakeAsync();
        }
    }

    private static void CheckProblem(Answer answer, string? names, Action<string, string?> fail)
    {
        if (answer.ContentType != "application/problem+json")
        {
            fail(Findings.NotProblem, null);
            return;
        }
        JsonNode? problem;
        try
        {
            problem = JsonNode.Parse(answer.Body);
        }
        catch (JsonException)
        {
            fail(Findings.NotProblem, "the body is not JSON");
            return;
        }
        if (problem?["status"]?.GetValue<int>() != answer.Status)
            fail(Findings.NotProblem, "its status is not the answer's");
        if (DotNetTypeNames().IsMatch(answer.Body))
            fail(Findings.TypeNames, null);
        if (answer.Status is not (400 or 422))
            return;
        var violations = problem?["violations"] as JsonArray;
        if (violations is null || violations.Count == 0 || violations.Any(v => v?["field"] is null || v["rule"] is null || v["message"] is null))
            fail(Findings.NoViolations, null);
        else if (names is not null && !violations.Any(v => Related(v!["field"]!.GetValue<string>(), names)))
            fail(Findings.FieldNotNamed, $"expected a violation of '{names}'");
    }

    /// <summary>A violation of `arms[0]` is about `arms[0].code`, and one of `scales[0].items` about `scales`.</summary>
    internal static bool Related(string field, string named) =>
        field.Equals(named, StringComparison.OrdinalIgnoreCase)
        || IsPrefix(field, named) || IsPrefix(named, field);

    private static bool IsPrefix(string prefix, string of) =>
        of.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && of.Length > prefix.Length && of[prefix.Length] is '.' or '[';

    /// <summary>
    /// Runs the valid request of every canary read; one that worked before and breaks now was broken by what was
    /// accepted since the last run.
    /// </summary>
    private async Task CanaryAsync(string after)
    {
        foreach (var row in ValidRequests.Rows.Where(r => r.Canary))
        {
            if (document.Operations.SingleOrDefault(o => o.Key == row.Operation) is not { } op)
                continue;
            var probe = ProbeOf(op, await row.Make(world), world.Callers[row.Caller]);
            var answer = await SendAsync(probe);
            await changes.TakeAsync();
            if (!answer.Broken)
                _brokenReads.Remove(row.Operation);
            else if (_brokenReads.Add(row.Operation))
                findings.Add(Findings.AcceptedThenBreaks, row.Operation, "valid", answer.Status, "",
                    $"{probe.Describe(row.Caller)}\n  {answer.Describe()}\n  broken after {after}; accepted since the last check: " +
                    string.Join("; ", _acceptedSinceCanary.TakeLast(5)));
        }
        _acceptedSinceCanary.Clear();
    }

    /// <summary>Waits until the background jobs an accepted request queued (an export, a triggered job) have run.</summary>
    private static async Task SettleAsync()
    {
        for (var i = 0; i < 600; i++)
        {
            var busy = await TestHost.Database.ScalarAsync<long>(
                "SELECT count(*) FROM hangfire.job WHERE statename IN ('Enqueued', 'Processing')");
            if (busy == 0)
                return;
            await Task.Delay(50);
        }
    }

    public async Task<Answer> SendAsync(Probe probe)
    {
        using var request = new HttpRequestMessage(new HttpMethod(probe.Method), probe.Url);
        if (probe.Token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", probe.Token);
        foreach (var (name, value) in probe.Headers)
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (probe.Body is not null)
        {
            request.Content = new ByteArrayContent(probe.Body);
            if (probe.ContentType is not null)
                request.Content.Headers.TryAddWithoutValidation("Content-Type", probe.ContentType);
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            using var response = await world.Api.Http.SendAsync(request, timeout.Token);
            var status = (int)response.StatusCode;
            var contentType = response.Content.Headers.ContentType?.MediaType;
            try
            {
                var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
                return new Answer(status, contentType, response.Headers, Encoding.UTF8.GetString(body));
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                // The status line went out and then the answer broke off: the client never gets what the 200 promised.
                return new Answer(0, contentType, response.Headers, $"{status}, then: {e.Message}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return new Answer(0, null, null, e.Message);
        }
    }
}
