using System.Text;

namespace TrialManager.Tests.Integration.BadInput;

/// <summary>
/// Every broken rule of a run, grouped by category, operation, mutation kind and status, with the first request of
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

    /// <summary>
    /// Rules that one piece of shared machinery breaks for every operation alike (the exception handler, the content
    /// negotiation of problem details, parameter binding), and every mutation of a header: their groups span
    /// operations, so that one bug is one line.
    /// </summary>
    private static readonly HashSet<string> CrossCuttingRules = [NoRequestId, NotProblem, TypeNames, NoViolations];

    private static bool IsCrossCutting(Entry entry) =>
        CrossCuttingRules.Contains(entry.Category) || entry.Target.StartsWith("header ", StringComparison.Ordinal);

    private sealed record Entry(string Category, string Operation, string Kind, int Status, string Target, string Example);

    private readonly List<Entry> _entries = [];

    public bool Any => _entries.Count > 0;

    /// <summary>How many requests broke a rule of this category.</summary>
    public int Requests(string category) => _entries.Count(e => e.Category == category);

    public void Add(string category, string operation, string kind, int status, string target, string example) =>
        _entries.Add(new Entry(category, operation, kind, status, target, example));

    public string Summary()
    {
        var text = new StringBuilder();
        foreach (var category in _entries.GroupBy(e => e.Category))
        {
            var groups = category
                .GroupBy(e => IsCrossCutting(e)
                    ? (Operation: "", Kind: category.Key == NoRequestId ? "" : e.Kind, e.Status)
                    : (e.Operation, e.Kind, e.Status))
                .OrderBy(g => g.Key.Operation, StringComparer.Ordinal).ThenBy(g => g.Key.Kind, StringComparer.Ordinal).ThenBy(g => g.Key.Status)
                .ToList();
            text.Append($"\n== {category.Key}: {category.Count()} requests in {groups.Count} groups\n");
            foreach (var group in groups)
            {
                var status = group.Key.Status == 0 ? "aborted" : group.Key.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var where = group.Key.Operation.Length > 0 ? group.Key.Operation : $"{group.Select(e => e.Operation).Distinct().Count()} operations";
                var kind = group.Key.Kind.Length > 0 ? group.Key.Kind : string.Join(", ", group.Select(e => e.Kind).Distinct().Take(6)) + ", …";
                text.Append($"- {where} | {kind} | {status} | ×{group.Count()}");
                // Across operations, the fields say nothing: the machinery is the same for all of them.
                var targets = group.Key.Operation.Length == 0 ? []
                    : group.Select(e => e.Target).Where(t => t.Length > 0).Distinct().Order(StringComparer.Ordinal).ToList();
                if (targets.Count > 0)
                    text.Append($" | {string.Join(", ", targets.Take(8))}{(targets.Count > 8 ? ", …" : "")}");
                text.Append($"\n    {group.First().Example.Replace("\n", "\n    ")}\n");
            }
        }
        return text.ToString();
    }
}
