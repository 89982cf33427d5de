using System.Text;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>
/// Every broken rule of a run, grouped by operation, mutation kind, category and status, with the first request of
/// each group as its reproducing example: a run reports everything it found, not only the first failure.
/// </summary>
public sealed class Findings
{
    public const string ServerError = "5xx";
    public const string StateBroken = "5xx, and the valid request fails too (an earlier accepted request broke it)";
    public const string RefusedButWrote = "refused, yet rows changed";
    public const string MustRefuse = "must be refused, was accepted";
    public const string AcceptedThenBreaks = "accepted, then a valid read breaks";
    public const string NotProblem = "4xx not problem+json";
    public const string NoViolations = "400/422 without violations";
    public const string FieldNotNamed = "400/422 whose violations do not name the field";
    public const string TypeNames = ".NET type names in the answer";
    public const string NoRequestId = "answer without X-Request-Id";
    public const string WrongStatus = "wrong status";
    public const string ValidRefused = "valid request not accepted (the test's own set-up)";
    public const string Afterwards = "after the barrage";

    private sealed record Group(string Category, string Operation, string Kind, int Status)
    {
        public int Count { get; set; }
        public SortedSet<string> Targets { get; } = new(StringComparer.Ordinal);
        public string Example { get; init; } = "";
    }

    private readonly Dictionary<(string, string, string, int), Group> _groups = [];
    private readonly Dictionary<string, int> _requests = [];

    public bool Any => _groups.Count > 0;

    /// <summary>How many requests broke a rule of this category.</summary>
    public int Requests(string category) => _requests.GetValueOrDefault(category);

    public void Add(string category, string operation, string kind, int status, string target, string example)
    {
        var key = (category, operation, kind, status);
        if (!_groups.TryGetValue(key, out var group))
            _groups[key] = group = new Group(category, operation, kind, status) { Example = example };
        group.Count++;
        if (target.Length > 0)
            group.Targets.Add(target);
        _requests[category] = _requests.GetValueOrDefault(category) + 1;
    }

    public string Summary()
    {
        var text = new StringBuilder();
        foreach (var category in _groups.Values.GroupBy(g => g.Category))
        {
            text.Append($"\n== {category.Key}: {category.Sum(g => g.Count)} requests in {category.Count()} groups\n");
            foreach (var group in category.OrderBy(g => g.Operation, StringComparer.Ordinal).ThenBy(g => g.Kind, StringComparer.Ordinal))
            {
                var status = group.Status == 0 ? "aborted" : group.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                text.Append($"- {group.Operation} | {group.Kind} | {status} | ×{group.Count}");
                if (group.Targets.Count > 0)
                    text.Append($" | {string.Join(", ", group.Targets.Take(8))}{(group.Targets.Count > 8 ? ", …" : "")}");
                text.Append($"\n    {group.Example.Replace("\n", "\n    ")}\n");
            }
        }
        return text.ToString();
    }
}
