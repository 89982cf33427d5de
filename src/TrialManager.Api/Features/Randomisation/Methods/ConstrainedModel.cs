using System.Numerics;
using System.Runtime.CompilerServices;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Randomisation.Methods;

/// <summary>
/// The balance score of <see cref="ConstrainedRandomisation"/>, prepared so that it can be computed exactly enough to
/// keep every structural tie and fast enough to score every allocation of 30 clusters.
/// <para>
/// Definition (cvcrand's <c>cvrall</c>, Raab &amp; Butcher 2001): a numeric covariate is one column, a categorical one
/// 0/1 indicator columns for every level but the first in ordinal order; each column is standardised,
/// z = (x − mean) / sd with the n − 1 sd, and multiplied by its weight; for an allocation whose first arm is the set T,
/// S_k = Σ_{i∈T} z_ik, l2 = Σ_k S_k², l1 = Σ_k |S_k|.
/// </para>
/// <para>
/// How it is computed (the same numbers, rearranged): each column's values are written as integers X_i (a numeric value
/// with at most 15 decimals, as it was typed, is x·10^d exactly; see <see cref="Integerise"/>), and the column's sum over
/// T enters only through the integer A_k(T) = n·Σ_{i∈T} X_ik − |T|·Σ_i X_ik = n·Σ_{i∈T}(X_ik − mean). Then, with
/// V_k = n·ΣX_k² − (ΣX_k)² (also an integer), S_k = w_k·A_k·√((n−1)/(n·V_k)), so
/// l2 = Σ_k c_k·A_k² with c_k = w_k²(n−1)/(n·V_k), and l1 = Σ_k c_k·|A_k| with c_k = |w_k|·√((n−1)/(n·V_k)).
/// A_k is exact (integers below 2^53, kept as doubles, whose sums are then exact), whether it was updated
/// incrementally or computed from scratch, so
/// allocations with the same A vector up to sign (T and its complement when |T| = n/2; swapping clusters with equal
/// covariates; categorical designs) get bit-identical scores. Columns with bit-identical coefficients (e.g. two
/// levels with the same count) are summed exactly as integers before the one multiplication, so permuting them
/// cannot change a score either. A column with sd = 0 or weight 0 contributes nothing and is dropped.
/// </para>
/// <para>
/// Ranking and ties: scores are compared through an integer key, round(score / unit) with unit = bound / 2^40, where
/// bound is an upper bound of every score (each column's largest |A_k| combined). Scores closer than about 1e-12 of
/// the bound are therefore ranked as equal, in listing order, which also merges accidental ties that the floating
/// point would separate in the last bits (the error of a score is below 1e-15 of the bound).
/// </para>
/// Masks here are "reversed": bit n − 1 − i stands for cluster i, so that lexicographic order of the ascending member
/// lists is descending order of the masks (see <see cref="ConstrainedExhaustiveSpace"/>).
/// </summary>
internal sealed class ConstrainedModel
{
    public const int KeyBits = 40;
    public const long KeyMax = 1L << KeyBits;

    /// <summary>Every integer here (X, n·X, |T|·ΣX, A_k and the partial sums on the way) stays within 2^53, so doubles hold them exactly.</summary>
    private const long ExactLimit = 1L << 53;

    /// <summary>Columns scored with 256-bit vectors (two of 4 doubles) when there are at most this many.</summary>
    public const int VectorColumns = 8;

    private static readonly double[] PowersOfTen =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    private ConstrainedModel(int clusters, int firstArm, bool l2, double[] y, double[] offset, double[] coefficient, int[] groupEnd,
        double bound, IReadOnlyList<string> columnLabels)
    {
        Clusters = clusters;
        FirstArm = firstArm;
        IsL2 = l2;
        Columns = offset.Length;
        Y = y;
        Offset = offset;
        Coefficient = coefficient;
        GroupEnd = groupEnd;
        Singletons = groupEnd.Length == offset.Length;
        Bound = bound;
        InvUnit = bound > 0 ? KeyMax / bound : 0;
        ColumnLabels = columnLabels;
        if (Columns <= VectorColumns)
        {
            // The same numbers padded to 8 columns (zeros beyond the last, which add nothing).
            Y8 = new double[64 * VectorColumns];
            Coefficient8 = new double[VectorColumns];
            for (var bit = 0; bit < clusters; bit++)
                Array.Copy(y, bit * Columns, Y8, bit * VectorColumns, Columns);
            Array.Copy(coefficient, Coefficient8, Columns);
        }
    }

    public int Clusters { get; }
    public int FirstArm { get; }
    public bool IsL2 { get; }
    public int Columns { get; }

    /// <summary>[bit × Columns + column]: n·X of the cluster at that bit.</summary>
    public double[] Y { get; }

    /// <summary>[bit × 8 + column]: <see cref="Y"/> padded to 8 columns, when there are at most 8.</summary>
    public double[]? Y8 { get; }

    /// <summary><see cref="Coefficient"/> padded to 8 columns, when there are at most 8.</summary>
    public double[]? Coefficient8 { get; }

    /// <summary>Per column |T|·ΣX, so that A = Σ_{bit ∈ mask} Y − Offset.</summary>
    public double[] Offset { get; }

    /// <summary>Per column c_k; columns are ordered so that equal coefficients are adjacent (one group).</summary>
    public double[] Coefficient { get; }

    /// <summary>Group g is the columns [GroupEnd[g − 1], GroupEnd[g]).</summary>
    public int[] GroupEnd { get; }

    public bool Singletons { get; }
    public double Bound { get; }
    public double InvUnit { get; }

    /// <summary>The columns that count, e.g. "caseload" or "teamType=support", in the order used.</summary>
    public IReadOnlyList<string> ColumnLabels { get; }

    public ulong Full => Clusters == 64 ? ulong.MaxValue : (1UL << Clusters) - 1;

    public static ConstrainedModel Build(IReadOnlyList<ConstrainedCluster> clusters, int firstArm, IReadOnlyList<ConstrainedCovariate> covariates, bool l2)
    {
        var n = clusters.Count;
        var raw = new List<(string Label, long[] X, double Weight)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var covariate in covariates)
        {
            if (string.IsNullOrEmpty(covariate.Name))
                throw new ArgumentException("A covariate has no name.", nameof(covariates));
            if (!seen.Add(covariate.Name))
                throw new ArgumentException($"Covariate '{covariate.Name}' is listed twice.", nameof(covariates));
            if (!double.IsFinite(covariate.Weight))
                throw new ArgumentException($"Covariate '{covariate.Name}' has no finite weight.", nameof(covariates));
            var values = new CovariateValue[n];
            for (var i = 0; i < n; i++)
                values[i] = clusters[i].Covariates.TryGetValue(covariate.Name, out var value)
                    ? value
                    : throw new ArgumentException($"Cluster '{clusters[i].Code}' has no value for covariate '{covariate.Name}'.", nameof(clusters));
            if (values.All(v => v.IsNumeric))
            {
                raw.Add((covariate.Name, Integerise(values.Select(v => v.Number!.Value).ToArray()), covariate.Weight));
            }
            else if (values.All(v => !v.IsNumeric && v.Category is not null))
            {
                var levels = values.Select(v => v.Category!).Distinct().Order(StringComparer.Ordinal).ToList();
                foreach (var level in levels.Skip(1))
                    raw.Add(($"{covariate.Name}={level}", values.Select(v => v.Category == level ? 1L : 0L).ToArray(), covariate.Weight));
            }
            else
            {
                throw new ArgumentException($"Covariate '{covariate.Name}' is numeric for some clusters and categorical for others.", nameof(clusters));
            }
        }

        var columns = new List<(string Label, long[] X, double Coefficient, long MaxA)>();
        foreach (var (label, x, weight) in raw)
        {
            BigInteger sum = 0, squares = 0;
            foreach (var value in x)
            {
                sum += value;
                squares += (BigInteger)value * value;
            }
            var v = n * squares - sum * sum;
            if (v.IsZero || weight == 0)
                continue;
            var variance = (double)v;
            var coefficient = l2
                ? weight * weight * (n - 1) / (n * variance)
                : Math.Abs(weight) * Math.Sqrt((n - 1) / (n * variance));
            columns.Add((label, x, coefficient, MaxAbsA(x, firstArm)));
        }

        // Columns with bit-identical coefficients form one group, in order of first appearance.
        var grouped = columns
            .GroupBy(c => BitConverter.DoubleToInt64Bits(c.Coefficient))
            .SelectMany(g => g.Select((c, j) => (Column: c, Last: j == g.Count() - 1)))
            .ToList();
        var m = grouped.Count;
        var y = new double[n * m];
        var offset = new double[m];
        var coefficients = new double[m];
        var groupEnd = new List<int>();
        double bound = 0;
        for (var col = 0; col < m; col++)
        {
            var (column, last) = grouped[col];
            coefficients[col] = column.Coefficient;
            offset[col] = (double)(firstArm * column.X.Sum());
            for (var i = 0; i < n; i++)
                y[(n - 1 - i) * m + col] = (double)(n * column.X[i]);
            var maxA = (double)column.MaxA;
            bound += l2 ? column.Coefficient * maxA * maxA : column.Coefficient * maxA;
            if (last)
                groupEnd.Add(col + 1);
        }
        return new ConstrainedModel(n, firstArm, l2, y, offset, coefficients, groupEnd.ToArray(), bound,
            grouped.Select(g => g.Column.Label).ToList());
    }

    /// <summary>
    /// A numeric column as integers with the same standardised values: x·10^d − min for the least d ≤ 15 for which
    /// every value is exactly the double nearest to a number with d decimals (so the column is treated as the decimal
    /// numbers the user typed), provided n²·range stays within 2^53 (so every A_k is exact). Otherwise (values such as
    /// 1/3, or a range too wide for the precision) the values are mapped linearly onto 0..⌊2^53 / n²⌋ and rounded,
    /// which changes them by less than 5e-13 of their range for n ≤ 64 (1e-13 for n = 30).
    /// Equal values always get equal integers.
    /// </summary>
    internal static long[] Integerise(double[] x)
    {
        var n = x.Length;
        if (x.Any(v => !double.IsFinite(v)))
            throw new ArgumentException("A numeric covariate value is not a finite number.", nameof(x));
        var limit = ExactLimit / ((long)n * n);
        double min = x.Min(), max = x.Max();
        var result = new long[n];
        if (min == max)
            return result;
        foreach (var scale in PowersOfTen)
        {
            if ((max - min) * scale > limit * 1.001 + 1)
                break;
            var ok = true;
            for (var i = 0; i < n && ok; i++)
            {
                var scaled = Math.Round(x[i] * scale);
                ok = Math.Abs(scaled) < ExactLimit && scaled / scale == x[i];
                if (ok)
                    result[i] = (long)scaled;
            }
            if (!ok)
                continue;
            var low = result.Min();
            if (result.Max() - low > limit)
                break;
            for (var i = 0; i < n; i++)
                result[i] -= low;
            return result;
        }
        var span = max - min;
        for (var i = 0; i < n; i++)
            result[i] = (long)Math.Round((x[i] - min) / span * limit);
        return result;
    }

    /// <summary>The largest |A| of a column over all sets of |T| clusters: the |T| largest or the |T| smallest values.</summary>
    private static long MaxAbsA(long[] x, int firstArm)
    {
        var n = x.Length;
        var sorted = x.Order().ToArray();
        var total = sorted.Sum();
        long top = 0, bottom = 0;
        for (var i = 0; i < firstArm; i++)
        {
            bottom += sorted[i];
            top += sorted[n - 1 - i];
        }
        return Math.Max(n * top - firstArm * total, firstArm * total - n * bottom);
    }

    /// <summary>Every A_k of the allocation, from scratch.</summary>
    public void Init(ulong mask, double[] a)
    {
        var m = Columns;
        for (var c = 0; c < m; c++)
            a[c] = -Offset[c];
        var y = Y;
        while (mask != 0)
        {
            var row = BitOperations.TrailingZeroCount(mask) * m;
            mask &= mask - 1;
            for (var c = 0; c < m; c++)
                a[c] += y[row + c];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Score(double[] a)
    {
        if (!Singletons)
            return GroupedScore(a);
        var coefficient = Coefficient;
        double score = 0;
        if (IsL2)
        {
            for (var c = 0; c < Columns; c++)
            {
                var v = a[c];
                score += coefficient[c] * (v * v);
            }
        }
        else
        {
            for (var c = 0; c < Columns; c++)
                score += coefficient[c] * Math.Abs(a[c]);
        }
        return score;
    }

    private double GroupedScore(double[] a)
    {
        double score = 0;
        var start = 0;
        foreach (var end in GroupEnd)
        {
            if (end - start == 1)
            {
                var v = a[start];
                score += Coefficient[start] * (IsL2 ? v * v : Math.Abs(v));
            }
            else if (IsL2)
            {
                UInt128 sum = 0;
                for (var c = start; c < end; c++)
                {
                    var v = (ulong)Math.Abs((long)a[c]);
                    sum += (UInt128)v * v;
                }
                score += Coefficient[start] * (double)sum;
            }
            else
            {
                long sum = 0;
                for (var c = start; c < end; c++)
                    sum += Math.Abs((long)a[c]);
                score += Coefficient[start] * sum;
            }
            start = end;
        }
        return score;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Key(double score)
    {
        var key = (long)(score * InvUnit + 0.5);
        return key > KeyMax ? KeyMax : key;
    }

    /// <summary>Reversed (bit n−1−i = cluster i) to natural (bit i = cluster i), and back: the mapping is its own inverse.</summary>
    public ulong Flip(ulong mask)
    {
        ulong flipped = 0;
        while (mask != 0)
        {
            var bit = BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;
            flipped |= 1UL << (Clusters - 1 - bit);
        }
        return flipped;
    }
}
