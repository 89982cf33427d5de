using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace TrialManager.Tests.Integration.Blinding;

/// <summary>
/// Crawls, as one caller, every GET route of the OpenAPI document: each path parameter filled with every real value,
/// the route alone and with each documented filter and each of its values, every page followed; then the errors a
/// caller can provoke: a random id in each id parameter, a value each filter refuses, a cursor that is not one.
/// Everything received goes to the caller's <see cref="ArmSearch"/>, and every status must be one the document gives.
/// </summary>
public sealed class RouteCrawler(ApiClient api, string token, RouteValues values, ArmSearch search)
{
    /// <summary>Small, so that walking the lists really pages.</summary>
    private const int PageSize = 5;

    private const int FilteredPageSize = 100;

    public int Requests { get; private set; }
    public int MultiPageWalks { get; private set; }
    public SortedSet<string> Routes { get; } = [];
    public SortedSet<string> RoutesAnswered { get; } = [];
    public List<string> Problems { get; } = [];

    /// <summary>The statuses the document gives for each GET route: any other answer is a problem of the document.</summary>
    private readonly Dictionary<string, HashSet<string>> _documented = [];

    /// <summary>The GET routes of the document, with their parameters.</summary>
    public static IEnumerable<(string Route, JsonArray Parameters)> GetRoutes(JsonNode openApi) =>
        openApi["paths"]!.AsObject()
            .Where(p => p.Value!["get"] is not null)
            .Select(p => (p.Key, p.Value!["get"]!["parameters"]?.AsArray() ?? []));

    public async Task CrawlAsync(JsonNode openApi)
    {
        foreach (var (route, parameters) in GetRoutes(openApi))
        {
            Routes.Add(route);
            _documented[route] = openApi["paths"]![route]!["get"]!["responses"]!.AsObject().Select(r => r.Key).ToHashSet();
            var inPath = parameters.Where(p => p!["in"]!.GetValue<string>() == "path").Select(p => p!["name"]!.GetValue<string>()).ToList();
            var filters = parameters.Where(p => p!["in"]!.GetValue<string>() == "query").Select(p => p!).ToList();
            var pages = filters.Any(f => IsPaging(f["name"]!.GetValue<string>()));
            foreach (var name in inPath)
                Assert.That(values.Path.ContainsKey(name), $"GET {route}: the crawl has no values for the path parameter '{name}'; add the seeded world's values to {nameof(RouteValues)}");
            foreach (var filter in filters.Select(f => f["name"]!.GetValue<string>()).Where(n => !IsPaging(n)))
                Assert.That(values.Query.ContainsKey(filter), $"GET {route}: the crawl has no values for the filter '{filter}'; add meaningful values to {nameof(RouteValues)}");

            foreach (var path in Expand(route, inPath))
            {
                await WalkAsync(route, path, [], pages, PageSize);
                foreach (var filter in filters.Where(f => !IsPaging(f["name"]!.GetValue<string>())))
                {
                    var name = filter["name"]!.GetValue<string>();
                    foreach (var value in values.Query[name])
                        await WalkAsync(route, path, [(name, value)], pages, FilteredPageSize);
                }
            }

            var realPath = Fill(route, inPath.ToDictionary(n => n, n => values.Path[n][0]));
            foreach (var filter in filters)
            {
                var name = filter["name"]!.GetValue<string>();
                var schema = filter["schema"];
                var bad = name.Equals("cursor", StringComparison.OrdinalIgnoreCase) ? "not-a-cursor"
                    : RouteValues.Bad(schema?["format"]?.GetValue<string>(), schema?["type"]?.GetValue<string>());
                await GetAsync(route, $"{realPath}?{name}={Uri.EscapeDataString(bad)}");
            }
            foreach (var name in inPath.Where(n => parameters.Any(p => p!["name"]!.GetValue<string>() == n && p["schema"]?["format"]?.GetValue<string>() == "uuid")))
                await GetAsync(route, Fill(route, inPath.ToDictionary(n => n, n => n == name ? Guid.NewGuid().ToString() : values.Path[n][0])));
        }
    }

    private static bool IsPaging(string name) => name.Equals("limit", StringComparison.OrdinalIgnoreCase) || name.Equals("cursor", StringComparison.OrdinalIgnoreCase);

    private IEnumerable<string> Expand(string route, IReadOnlyList<string> names)
    {
        IEnumerable<Dictionary<string, string>> combinations = [new()];
        foreach (var name in names)
            combinations = combinations.SelectMany(c => values.Path[name].Select(v => new Dictionary<string, string>(c) { [name] = v }));
        return combinations.Select(c => Fill(route, c));
    }

    private static string Fill(string route, IReadOnlyDictionary<string, string> with) =>
        with.Aggregate(route, (path, p) => path.Replace($"{{{p.Key}}}", Uri.EscapeDataString(p.Value)));

    /// <summary>Follows `nextCursor` to the last page.</summary>
    private async Task WalkAsync(string route, string path, List<(string Name, string Value)> filters, bool pages, int limit)
    {
        var seen = new HashSet<string>();
        string? cursor = null;
        var pageCount = 0;
        do
        {
            var query = filters.Select(f => $"{f.Name}={Uri.EscapeDataString(f.Value)}").ToList();
            if (pages)
                query.Add($"limit={limit}");
            if (cursor is not null)
                query.Add($"cursor={Uri.EscapeDataString(cursor)}");
            var json = await GetAsync(route, query.Count == 0 ? path : $"{path}?{string.Join('&', query)}");
            pageCount++;
            cursor = json is JsonObject page ? page["nextCursor"]?.GetValue<string>() : null;
            if (cursor is not null && !seen.Add(cursor))
                Assert.Fail($"GET {path}: the cursor {cursor} came back twice");
        }
        while (cursor is not null);
        if (pageCount > 1)
            MultiPageWalks++;
    }

    private async Task<JsonNode?> GetAsync(string route, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await api.Http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var contentType = response.Content.Headers.ContentType?.MediaType;
        var code = (int)response.StatusCode;
        Requests++;
        search.Body($"GET {path} ({code})", contentType, body);
        if (code >= 500)
            Problems.Add($"GET {path}: {code}");
        if (!_documented[route].Contains(code.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            Problems.Add($"GET {path}: {code}, which the document does not give for {route}");
        if (code >= 400 && contentType != "application/problem+json")
            Problems.Add($"GET {path}: {code} as {contentType}, not problem details");
        if (code is >= 200 and < 300)
            RoutesAnswered.Add(route);
        return code == 200 && contentType == "application/json" && body.Length > 0 ? JsonNode.Parse(body) : null;
    }
}
