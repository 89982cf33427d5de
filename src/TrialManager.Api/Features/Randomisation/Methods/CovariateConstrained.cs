using System.Collections.Concurrent;
using System.Numerics;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Randomisation.Methods;

public sealed record HistogramBin(double From, double To, long Count);

public sealed record PairShare(int A, int B, double SameArmShare);

/// <summary>The drawn allocation: which clusters form the first arm's set, its score and its place in the listing.</summary>
public sealed record ChosenAllocation(IReadOnlyList<bool> InFirstArm, double Score, long ListingPosition);

public sealed record ConstraintOutcome(long CandidateCount, long ConstrainedCount, bool Exhaustive, double CutoffScore,
    IReadOnlyList<HistogramBin> Histogram, IReadOnlyList<PairShare> Pairs, ChosenAllocation? Chosen)
{
    /// <summary>Pairs always or never in the same arm: the design would then not support a permutation test.</summary>
    public IEnumerable<PairShare> Degenerate => Pairs.Where(p => p.SameArmShare is 0 or 1);
}

/// <summary>
/// Covariate-constrained randomisation of all clusters at once, defined as in the R package cvcrand (`cvrall`, after
/// Raab &amp; Butcher 2001): a numeric covariate is one column, a categorical one a 0/1 column for every level but the
/// first in ordinal order; each column is standardised with the n − 1 standard deviation and weighted; the first
/// arm's set T scores S_k = Σ_{i∈T} z_ik, l2 = Σ S_k², l1 = Σ |S_k|. The candidates are every T of the first arm's
/// size, in lexicographic order (or a random sample of distinct ones, listed in that order, when there are too many);
/// the constrained space is the round(N × cutoff) lowest scores, ties kept in listing order; one is drawn uniformly.
/// Pure and parallel: ranks split the listing into chunks, and each pass walks its chunks with incremental sums.
/// </summary>
public static class CovariateConstrained
{
    private const int HistogramBins = 20;
    private const int FineBins = HistogramBins * 65_536;

    public sealed record Covariate(string Name, double Weight);

    /// <summary>The size of the first arm's set for a two-arm ratio (half to even on a tie).</summary>
    public static int FirstArmSize(int clusters, int ratioFirst, int ratioSecond) =>
        (int)Math.Round(clusters * (double)ratioFirst / (ratioFirst + ratioSecond), MidpointRounding.ToEven);

    /// <summary>The weighted, standardised columns: one row per cluster.</summary>
    public static double[][] Columns(IReadOnlyList<IReadOnlyDictionary<string, CovariateValue>> clusters, IReadOnlyList<Covariate> covariates)
    {
        var columns = new List<(double[] Values, double Weight)>();
        foreach (var covariate in covariates)
        {
            var values = clusters.Select(c => c[covariate.Name]).ToList();
            if (values.All(v => v.IsNumeric))
                columns.Add((values.Select(v => v.Number!.Value).ToArray(), covariate.Weight));
            else
                foreach (var level in values.Select(v => v.Category!).Distinct().Order(StringComparer.Ordinal).Skip(1))
                    columns.Add((values.Select(v => v.Category == level ? 1.0 : 0.0).ToArray(), covariate.Weight));
        }
        var n = clusters.Count;
        var rows = Enumerable.Range(0, n).Select(_ => new double[columns.Count]).ToArray();
        for (var k = 0; k < columns.Count; k++)
        {
            var (values, weight) = columns[k];
            var mean = values.Average();
            var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (n - 1));
            for (var i = 0; i < n; i++)
                rows[i][k] = sd > 0 ? (values[i] - mean) / sd * weight : 0;
        }
        return rows;
    }

    /// <summary>Scores are compared after rounding to 1e-9, so that mathematically equal scores (T and its complement
    /// when the arms are the same size) tie whatever order the sums were added in.</summary>
    public static double Score(ReadOnlySpan<double> sums, bool l1)
    {
        var score = 0.0;
        foreach (var s in sums)
            score += l1 ? Math.Abs(s) : s * s;
        return Math.Round(score, 9);
    }

    public static long Binomial(int n, int k)
    {
        BigInteger result = 1;
        for (var i = 1; i <= k; i++)
            result = result * (n - k + i) / i;
        return result > long.MaxValue ? long.MaxValue : (long)result;
    }

    /// <summary>The combination at a rank of the lexicographic listing (combinatorial number system).</summary>
    public static int[] Unrank(long rank, int n, int k)
    {
        var combination = new int[k];
        var next = 0;
        for (var i = 0; i < k; i++)
            for (var v = next; ; v++)
            {
                var following = Binomial(n - 1 - v, k - 1 - i);
                if (rank < following)
                {
                    combination[i] = v;
                    next = v + 1;
                    break;
                }
                rank -= following;
            }
        return combination;
    }

    /// <summary>Runs the method. `draw(label, n)` is a uniform integer in [0, n); with `allocate` the allocation is drawn.</summary>
    public static ConstraintOutcome Run(double[][] rows, int firstArmSize, string metric, double cutoff, long maxCandidates, long sampleSize,
        Func<string, long, long> draw, bool allocate)
    {
        var n = rows.Length;
        if (n is < 2 or > 64)
            throw new ArgumentOutOfRangeException(nameof(rows), "Constrained randomisation handles 2 to 64 clusters.");
        if (firstArmSize < 1 || firstArmSize >= n)
            throw new ArgumentOutOfRangeException(nameof(firstArmSize));
        var all = Binomial(n, firstArmSize);
        var space = all <= maxCandidates
            ? new Listing(rows, firstArmSize, metric == "l1", null, all)
            : new Listing(rows, firstArmSize, metric == "l1", SampleRanks(all, Math.Min(sampleSize, all), n, draw), all);
        return space.Run(cutoff, allocate ? draw : null);
    }

    private static long[] SampleRanks(long all, long size, int n, Func<string, long, long> draw)
    {
        var ranks = new HashSet<long>();
        for (var i = 0; ranks.Count < size; i++)
            ranks.Add(draw($"constrained/sample/{i}", all));
        var sorted = ranks.ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>The candidates in listing order: every rank, or the sampled ranks; walked in parallel chunks.</summary>
    private sealed class Listing(double[][] rows, int k, bool l1, long[]? sample, long all)
    {
        private readonly int _n = rows.Length;
        private readonly int _columns = rows[0].Length;
        private long Count => sample?.Length ?? all;

        /// <summary>Calls visit(position, score, mask) for every candidate of a chunk, in listing order.</summary>
        private void Walk(long from, long to, Action<long, double, ulong> visit)
        {
            Span<double> sums = stackalloc double[_columns];
            if (sample is not null)
            {
                for (var position = from; position < to; position++)
                {
                    var combination = Unrank(sample[position], _n, k);
                    sums.Clear();
                    var mask = 0UL;
                    foreach (var i in combination)
                    {
                        mask |= 1UL << i;
                        for (var c = 0; c < _columns; c++)
                            sums[c] += rows[i][c];
                    }
                    visit(position, Score(sums, l1), mask);
                }
                return;
            }
            var current = Unrank(from, _n, k);
            var bits = 0UL;
            foreach (var i in current)
            {
                bits |= 1UL << i;
                for (var c = 0; c < _columns; c++)
                    sums[c] += rows[i][c];
            }
            for (var position = from; ; )
            {
                visit(position, Score(sums, l1), bits);
                if (++position >= to)
                    return;
                // Lexicographic successor: bump the rightmost element that can move, reset those after it; on
                // average about two elements change, and the sums follow them.
                var j = k - 1;
                while (current[j] == _n - k + j)
                    j--;
                for (var m = j; m < k; m++)
                {
                    var old = current[m];
                    var value = m == j ? old + 1 : current[m - 1] + 1;
                    if (value == old)
                        continue;
                    bits = (bits & ~(1UL << old)) | (1UL << value);
                    for (var c = 0; c < _columns; c++)
                        sums[c] += rows[value][c] - rows[old][c];
                    current[m] = value;
                }
            }
        }

        private IEnumerable<(long From, long To)> Chunks()
        {
            var count = Count;
            var chunks = (int)Math.Min(count, Environment.ProcessorCount * 16L);
            for (var c = 0; c < chunks; c++)
                yield return (count * c / chunks, count * (c + 1) / chunks);
        }

        /// <summary>A pass over all chunks in parallel, with per-thread state merged at the end.</summary>
        private TState[] Pass<TState>(Func<TState> create, Func<(long From, long To), TState, TState> run)
        {
            var results = new ConcurrentBag<TState>();
            Parallel.ForEach(Chunks(), create, (chunk, _, state) => run(chunk, state), results.Add);
            return results.ToArray();
        }

        public ConstraintOutcome Run(double cutoff, Func<string, long, long>? draw)
        {
            var count = Count;
            var wanted = Math.Max(1, (long)Math.Round(count * cutoff, MidpointRounding.ToEven));

            // 1. The score range.
            var ranges = Pass(() => (Min: double.MaxValue, Max: double.MinValue), (chunk, state) =>
            {
                Walk(chunk.From, chunk.To, (_, score, _) => state = (Math.Min(state.Min, score), Math.Max(state.Max, score)));
                return state;
            });
            var min = ranges.Min(r => r.Min);
            var max = ranges.Max(r => r.Max);
            var width = max > min ? (max - min) / FineBins : 1;
            int Bin(double score) => Math.Min(FineBins - 1, (int)((score - min) / width));

            // 2. A fine histogram: which bin holds the wanted-th lowest score.
            var fine = new long[FineBins];
            foreach (var part in Pass(() => new long[FineBins], (chunk, bins) =>
                     {
                         Walk(chunk.From, chunk.To, (_, score, _) => bins[Bin(score)]++);
                         return bins;
                     }))
                for (var b = 0; b < FineBins; b++)
                    fine[b] += part[b];
            var (cutBin, below) = (0, 0L);
            while (below + fine[cutBin] < wanted)
                below += fine[cutBin++];

            // 3. The candidates of that bin, in (score, listing) order: the cutoff score and the last tie kept.
            var inBin = Pass(() => new List<(double Score, long Position)>(), (chunk, found) =>
                {
                    Walk(chunk.From, chunk.To, (position, score, _) =>
                    {
                        if (Bin(score) == cutBin)
                            found.Add((score, position));
                    });
                    return found;
                })
                .SelectMany(f => f).OrderBy(c => c.Score).ThenBy(c => c.Position).ToList();
            var last = inBin[(int)(wanted - below - 1)];
            bool Kept(long position, double score) => score < last.Score || (score == last.Score && position <= last.Position);

            // 4. The constrained allocations: per-cluster and per-pair membership counts, and how many per chunk.
            var perChunk = new ConcurrentDictionary<long, long>();
            var counted = Pass(() => (Single: new long[_n], Pairs: new long[_n * _n]), (chunk, state) =>
            {
                var kept = 0L;
                Walk(chunk.From, chunk.To, (position, score, mask) =>
                {
                    if (!Kept(position, score))
                        return;
                    kept++;
                    for (var a = mask; a != 0; a &= a - 1)
                    {
                        var i = BitOperations.TrailingZeroCount(a);
                        state.Single[i]++;
                        for (var b = a & (a - 1); b != 0; b &= b - 1)
                            state.Pairs[i * _n + BitOperations.TrailingZeroCount(b)]++;
                    }
                });
                perChunk[chunk.From] = kept;
                return state;
            });
            var single = new long[_n];
            var together = new long[_n * _n];
            foreach (var (s, p) in counted)
            {
                for (var i = 0; i < _n; i++)
                    single[i] += s[i];
                for (var i = 0; i < p.Length; i++)
                    together[i] += p[i];
            }

            var pairs = new List<PairShare>();
            for (var a = 0; a < _n; a++)
                for (var b = a + 1; b < _n; b++)
                {
                    var both = together[a * _n + b];
                    pairs.Add(new PairShare(a, b, (both + (wanted - single[a] - single[b] + both)) / (double)wanted));
                }

            var histogram = Enumerable.Range(0, HistogramBins).Select(h => new HistogramBin(min + h * (max - min) / HistogramBins,
                min + (h + 1) * (max - min) / HistogramBins, fine.Skip(h * (FineBins / HistogramBins)).Take(FineBins / HistogramBins).Sum())).ToList();
            var chosen = draw is null ? null : Choose(draw($"constrained/choice", wanted), perChunk, Kept);
            return new ConstraintOutcome(count, wanted, sample is null, last.Score, histogram, pairs, chosen);
        }

        /// <summary>The j-th constrained allocation in listing order: find its chunk by the counts, then walk that chunk.</summary>
        private ChosenAllocation Choose(long j, ConcurrentDictionary<long, long> perChunk, Func<long, double, bool> kept)
        {
            foreach (var (from, to) in Chunks())
            {
                if (j >= perChunk[from])
                {
                    j -= perChunk[from];
                    continue;
                }
                ChosenAllocation? chosen = null;
                Walk(from, to, (position, score, mask) =>
                {
                    if (chosen is not null || !kept(position, score) || j-- > 0)
                        return;
                    chosen = new ChosenAllocation(Enumerable.Range(0, _n).Select(i => (mask & (1UL << i)) != 0).ToList(), score,
                        sample is null ? position : sample[position]);
                });
                return chosen!;
            }
            throw new InvalidOperationException("unreachable: j is below the constrained count");
        }
    }
}
