using System.Globalization;
using TrialManager.Benchmarks.Infrastructure;

namespace TrialManager.Benchmarks;

/// <summary>
/// One measured figure. Names are fixed (DESIGN.md "Benchmarks") so that results can be compared over time.
/// A figure sets up what it needs (API host, trial, load) in the shared database and measures its physical
/// reference in the same run, so that the ratio does not depend on how fast this machine happens to be.
/// </summary>
public interface IFigure
{
    string Name { get; }

    Task<FigureResult> RunAsync(BenchContext context, CancellationToken ct);
}

/// <summary>What every figure shares: the database of this run and the durations.</summary>
public sealed record BenchContext(BenchDatabase Database, BenchSettings Settings);

/// <summary>A measured value and, when the figure has one, its reference; prints as the `BENCH` line.</summary>
/// <param name="RatioToReference">
/// False when value/reference means nothing, because the value is itself a ratio (audit.overhead.ratio: audited
/// over unaudited rate, with the unaudited rate as the reference); then the line has no `ratio=`.
/// </param>
/// <param name="Extra">Further `name=value` fields of the line (assessment.save.overload's refused= and lost=).</param>
public sealed record FigureResult(string Name, double Value, string Unit, double? Reference = null, string? ReferenceUnit = null,
    bool RatioToReference = true, string? Extra = null)
{
    public double? Ratio => RatioToReference && Reference is > 0 ? Value / Reference : null;

    public override string ToString()
    {
        var line = $"BENCH {Name} {Number(Value)} {Unit}";
        if (Ratio is { } ratio)
            line += $" ratio={ratio.ToString("F2", CultureInfo.InvariantCulture)}";
        if (Reference is { } reference)
            line += $" reference={Number(reference)} {ReferenceUnit}";
        if (Extra is not null)
            line += " " + Extra;
        return line;
    }

    /// <summary>Enough digits to compare runs, not more: rates in the thousands and seconds below one both stay readable.</summary>
    private static string Number(double value) =>
        value.ToString(Math.Abs(value) >= 100 ? "F1" : Math.Abs(value) >= 1 ? "F2" : "F3", CultureInfo.InvariantCulture);
}
