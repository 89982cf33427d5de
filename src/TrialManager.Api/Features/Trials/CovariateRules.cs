using System.Text.Json;
using System.Text.RegularExpressions;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Data;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Trials;

/// <summary>
/// Cluster covariates are typed by their JSON values: a number is numeric (caseload), a string is a category
/// (team type). The randomisation uses them, so within one trial a name keeps one type across all clusters.
/// `site` is reserved: every cluster's site is always available as a categorical covariate.
/// </summary>
public static partial class CovariateRules
{
    public const int MaxCovariates = 30;

    /// <summary>No team has a caseload of 10^10: a bound keeps standardised scores and their squares exact.</summary>
    public const double MaxMagnitude = 1e9;
    public const string Site = "site";

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex NamePattern();

    public static Covariates Parse(IReadOnlyDictionary<string, JsonElement>? input)
    {
        if (input is null)
            return Covariates.Empty;
        var violations = new List<Violation>();
        var values = new Dictionary<string, CovariateValue>(StringComparer.Ordinal);
        if (input.Count > MaxCovariates)
            violations.Add(new Violation("covariates", "maximum-count", $"A cluster has at most {MaxCovariates} covariates."));
        foreach (var (name, value) in input)
        {
            var field = $"covariates.{name}";
            if (!NamePattern().IsMatch(name) || name.Length > Limits.Code)
                violations.Add(new Violation(field, "name", "A covariate name starts with a letter and holds only letters, digits and '_'."));
            else if (name.Equals(Site, StringComparison.OrdinalIgnoreCase))
                violations.Add(new Violation(field, "reserved", "'site' is reserved: the cluster's site is always a covariate."));
            else if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && Math.Abs(number) <= MaxMagnitude)
                values[name] = CovariateValue.Numeric(number);
            else if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 and <= Limits.Code } category)
                values[name] = CovariateValue.Categorical(category);
            else
                violations.Add(new Violation(field, "type", $"A covariate is a number of at most {MaxMagnitude:0} in size or a category name of 1 to {Limits.Code} characters."));
        }
        if (violations.Count > 0)
            throw ProblemException.Invalid(violations);
        return new Covariates(values);
    }

    /// <summary>Refuses a covariate whose type differs from the same name's type in the trial's other clusters.</summary>
    public static void EnsureConsistent(Covariates covariates, IEnumerable<Covariates> otherClusters)
    {
        var known = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var other in otherClusters)
            foreach (var (name, value) in other.Values)
                known.TryAdd(name, value.IsNumeric);
        var violations = covariates.Values
            .Where(p => known.TryGetValue(p.Key, out var numeric) && numeric != p.Value.IsNumeric)
            .Select(p => new Violation($"covariates.{p.Key}", "consistent-type",
                $"'{p.Key}' is {(known[p.Key] ? "numeric" : "categorical")} in the trial's other clusters."))
            .ToList();
        if (violations.Count > 0)
            throw ProblemException.Invalid(violations);
    }
}
