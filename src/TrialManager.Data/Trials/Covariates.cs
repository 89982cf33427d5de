using System.Text;
using System.Text.Json;

namespace TrialManager.Data.Trials;

/// <summary>A cluster covariate: numeric (caseload, staff count) or categorical (team type).</summary>
public readonly record struct CovariateValue
{
    private CovariateValue(double? number, string? category) => (Number, Category) = (number, category);

    public double? Number { get; }
    public string? Category { get; }
    public bool IsNumeric => Number is not null;

    public static CovariateValue Numeric(double value) => new(value, null);
    public static CovariateValue Categorical(string value) => new(null, value);
}

/// <summary>
/// A cluster's covariates by name, kept in ordinal name order so that their JSON form is canonical:
/// the same covariates always serialise to the same text (stored as jsonb, compared, audited).
/// </summary>
public sealed class Covariates : IEquatable<Covariates>
{
    private readonly SortedDictionary<string, CovariateValue> _values;

    public Covariates(IEnumerable<KeyValuePair<string, CovariateValue>> values) =>
        _values = new SortedDictionary<string, CovariateValue>(values.ToDictionary(), StringComparer.Ordinal);

    public static Covariates Empty { get; } = new([]);

    public IReadOnlyDictionary<string, CovariateValue> Values => _values;

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in _values)
            {
                if (value.Number is { } number)
                    writer.WriteNumber(name, number);
                else
                    writer.WriteString(name, value.Category);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static Covariates FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return new Covariates(document.RootElement.EnumerateObject().Select(p => KeyValuePair.Create(p.Name,
            p.Value.ValueKind == JsonValueKind.Number
                ? CovariateValue.Numeric(p.Value.GetDouble())
                : CovariateValue.Categorical(p.Value.GetString() ?? ""))));
    }

    public bool Equals(Covariates? other) => other is not null && ToJson() == other.ToJson();
    public override bool Equals(object? obj) => Equals(obj as Covariates);
    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);
}
