using System.Text.Json;
using System.Text.Json.Serialization;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Randomisation;

public sealed record WeightedName(string? Name, double? Weight);

/// <summary>A scheme as clients send it (`PUT …/randomisation/scheme`, `POST …/randomisation/preview`): the method and its settings.</summary>
public sealed record SchemeBody(string? Method, IReadOnlyList<string>? Strata, IReadOnlyList<int>? BlockSizes, IReadOnlyList<WeightedName>? Factors,
    string? Imbalance, double? Probability, IReadOnlyList<WeightedName>? Covariates, string? Metric, double? Cutoff, long? MaxCandidates,
    long? SampleSize, string? Reason);

/// <summary>
/// A validated scheme with its defaults filled in. Its JSON (fields in declaration order, absent ones left out) is
/// canonical: it is what the scheme stores and what the sealed commitment covers.
/// </summary>
public sealed record SchemeDefinition(string Method, IReadOnlyList<string>? Strata = null, IReadOnlyList<int>? BlockSizes = null,
    IReadOnlyList<WeightedName>? Factors = null, string? Imbalance = null, double? Probability = null, IReadOnlyList<WeightedName>? Covariates = null,
    string? Metric = null, double? Cutoff = null, long? MaxCandidates = null, long? SampleSize = null)
{
    public const string Simple = "simple", StratifiedBlock = "stratified-block", Minimisation = "minimisation", Constrained = "constrained";
    public static readonly string[] Methods = [Simple, StratifiedBlock, Minimisation, Constrained];
    public const long DefaultMaxCandidates = 1_000_000_000, DefaultSampleSize = 1_000_000, MaxSampleSize = 20_000_000;
    public const double MaxWeight = 1000;

    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Canonical);

    public static SchemeDefinition FromJson(string json) => JsonSerializer.Deserialize<SchemeDefinition>(json, Canonical)!;

    /// <summary>
    /// Checks a body against the trial: its arms and the covariates its clusters have (`site` is always there and
    /// categorical). Every problem is reported at once.
    /// </summary>
    public static SchemeDefinition Parse(SchemeBody body, int armCount, int ratioTotal, IReadOnlyDictionary<string, bool> covariateIsNumeric)
    {
        var violations = new List<Violation>();
        void Fail(string field, string rule, string message) => violations.Add(new Violation(field, rule, message));

        IReadOnlyList<WeightedName> Weighted(IReadOnlyList<WeightedName>? names, string field, bool categoricalOnly)
        {
            if (names is null || names.Count == 0)
            {
                Fail(field, "not-empty", $"'{field}' names at least one covariate.");
                return [];
            }
            var result = new List<WeightedName>();
            for (var i = 0; i < names.Count; i++)
            {
                var (name, weight) = (names[i].Name ?? "", names[i].Weight ?? 1);
                if (!covariateIsNumeric.TryGetValue(name, out var numeric))
                    Fail($"{field}[{i}].name", "known-covariate", $"No cluster of this trial has a covariate '{name}'.");
                else if (numeric && categoricalOnly)
                    Fail($"{field}[{i}].name", "categorical", $"'{name}' is numeric; this method needs categorical covariates.");
                // Weights are relative; the cap keeps squared, summed scores finite.
                if (!(weight > 0) || weight > MaxWeight)
                    Fail($"{field}[{i}].weight", "between", $"A weight is a number above 0, at most {MaxWeight}.");
                result.Add(new WeightedName(name, weight));
            }
            if (result.Select(n => n.Name).Distinct().Count() != result.Count)
                Fail(field, "unique", "A covariate is named once.");
            return result;
        }

        SchemeDefinition? definition = null;
        switch (body.Method)
        {
            case Simple:
                definition = new SchemeDefinition(Simple);
                break;
            case StratifiedBlock:
                var strata = Weighted(body.Strata?.Select(s => new WeightedName(s, 1)).ToList(), "strata", categoricalOnly: true);
                var sizes = body.BlockSizes ?? [];
                if (sizes.Count == 0)
                    Fail("blockSizes", "not-empty", "'blockSizes' lists at least one block size.");
                if (sizes.Any(s => s <= 0 || s % ratioTotal != 0 || s > 100))
                    Fail("blockSizes", "multiple-of-ratio", $"Every block size is a multiple of the ratio total ({ratioTotal}), at most 100.");
                definition = new SchemeDefinition(StratifiedBlock, Strata: strata.Select(s => s.Name!).ToList(), BlockSizes: sizes.Distinct().Order().ToList());
                break;
            case Minimisation:
                var factors = Weighted(body.Factors, "factors", categoricalOnly: true);
                var measure = body.Imbalance ?? "range";
                if (measure is not ("range" or "variance"))
                    Fail("imbalance", "one-of", "'imbalance' is range or variance.");
                var probability = body.Probability ?? 0.8;
                if (!(probability > 0 && probability <= 1))
                    Fail("probability", "between", "'probability' is in (0, 1].");
                definition = new SchemeDefinition(Minimisation, Factors: factors, Imbalance: measure, Probability: probability);
                break;
            case Constrained:
                var covariates = Weighted(body.Covariates, "covariates", categoricalOnly: false);
                var metric = body.Metric ?? "l2";
                if (metric is not ("l2" or "l1"))
                    Fail("metric", "one-of", "'metric' is l2 or l1.");
                var cutoff = body.Cutoff ?? 0.1;
                if (!(cutoff > 0 && cutoff <= 1))
                    Fail("cutoff", "between", "'cutoff' is in (0, 1].");
                var maxCandidates = body.MaxCandidates ?? DefaultMaxCandidates;
                if (maxCandidates < 1)
                    Fail("maxCandidates", "positive", "'maxCandidates' is at least 1.");
                var sampleSize = body.SampleSize ?? DefaultSampleSize;
                if (sampleSize is < 1 or > MaxSampleSize)
                    Fail("sampleSize", "between", $"'sampleSize' is between 1 and {MaxSampleSize}.");
                if (armCount != 2)
                    Fail("method", "two-arms", "Constrained randomisation allocates to exactly two arms.");
                definition = new SchemeDefinition(Constrained, Covariates: covariates, Metric: metric, Cutoff: cutoff,
                    MaxCandidates: maxCandidates, SampleSize: sampleSize);
                break;
            default:
                Fail("method", "one-of", $"'method' is one of: {string.Join(", ", Methods)}.");
                break;
        }
        if (violations.Count > 0)
            throw ProblemException.Invalid(violations);
        return definition!;
    }

    /// <summary>Every covariate the trial's clusters have, with its type; `site` is always there.</summary>
    public static Dictionary<string, bool> CovariateTypes(IEnumerable<Covariates> clusters)
    {
        var types = new Dictionary<string, bool>(StringComparer.Ordinal) { ["site"] = false };
        foreach (var covariates in clusters)
            foreach (var (name, value) in covariates.Values)
                types.TryAdd(name, value.IsNumeric);
        return types;
    }
}
