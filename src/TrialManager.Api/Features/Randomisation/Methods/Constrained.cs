using System.Globalization;
using System.Numerics;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Randomisation.Methods;

/// <summary>A uniform integer in [0, exclusiveMax): the only randomness of the constrained engine, so that a seeded source replays it.</summary>
public interface IUniformSource
{
    long Next(long exclusiveMax);
}

public static class UniformSource
{
    /// <summary>A source from a function that answers a uniform integer in [0, n).</summary>
    public static IUniformSource From(Func<long, long> next) => new FunctionSource(next);

    private sealed class FunctionSource(Func<long, long> next) : IUniformSource
    {
        public long Next(long exclusiveMax) => next(exclusiveMax);
    }
}

/// <summary>A cluster as the engine sees it: its code (for pairs and warnings) and its covariates, `site` included if used.</summary>
public sealed record ConstrainedCluster(string Code, IReadOnlyDictionary<string, CovariateValue> Covariates);

public sealed record ConstrainedCovariate(string Name, double Weight);

/// <summary>The scheme's parameters (DESIGN.md, "Randomisation scheme bodies"), with its defaults.</summary>
public sealed record ConstrainedOptions(
    IReadOnlyList<ConstrainedCovariate> Covariates,
    string Metric = ConstrainedRandomisation.L2,
    double Cutoff = ConstrainedRandomisation.DefaultCutoff,
    long MaxCandidates = ConstrainedRandomisation.DefaultMaxCandidates,
    long SampleSize = ConstrainedRandomisation.DefaultSampleSize);

/// <summary>One bar of the score distribution of all candidates: [From, To) (the last one includes To).</summary>
public sealed record ConstrainedHistogramBin(double From, double To, long Count);

/// <summary>Clusters A &lt; B (indexes in the order given) and the share of constrained allocations with both in one arm.</summary>
public sealed record ConstrainedPair(int A, int B, string ClusterA, string ClusterB, long SameArmCount, double SameArmShare);

/// <summary>
/// The drawn allocation: the Index-th (from 0) constrained allocation in listing order, at listing position Position
/// (from 0) among the candidates and with lexicographic rank Rank among all C(n, |T|) combinations (the same as
/// Position when the enumeration is exhaustive). InFirstArm[i] says whether cluster i (in the order given) is in T.
/// </summary>
public sealed record ConstrainedChoice(long Index, long Position, long Rank, double Score, IReadOnlyList<bool> InFirstArm);

public sealed record ConstrainedResult(
    long CandidateCount,
    long ConstrainedCount,
    bool Exhaustive,
    double CutoffScore,
    IReadOnlyList<ConstrainedHistogramBin> Histogram,
    IReadOnlyList<ConstrainedPair> Pairs,
    IReadOnlyList<string> Warnings,
    ConstrainedChoice? Chosen);

/// <summary>Knobs for tests (small collection limits and chunks exercise the paths that large designs take).</summary>
internal sealed record ConstrainedTuning(int CollectLimit = 1 << 20, long MinChunk = 4096, int MaxChunks = 4096, int? Workers = null)
{
    public static ConstrainedTuning Default { get; } = new();
}

/// <summary>
/// Covariate-constrained randomisation of all clusters at once (DESIGN.md, `constrained`): the score is cvcrand's
/// (<c>cvrall</c>, Raab &amp; Butcher 2001; see <see cref="ConstrainedModel"/> for the definition and how it is computed).
/// Candidates: every combination of |T| of the n clusters in lexicographic order when C(n, |T|) ≤ maxCandidates (or
/// ≤ sampleSize), otherwise sampleSize distinct combinations drawn uniformly, listed in lexicographic order. The
/// constrained space is the round(N × cutoff) (half to even, at least 1) candidates with the lowest scores, ties in
/// listing order. Pure: no I/O and no randomness but the sources passed in.
/// <para>
/// For an exhaustive enumeration nothing proportional to N is kept: the candidates are walked in parallel ranges of
/// listing positions (each range's first combination unranked, then incremental updates), twice: (1) the scores'
/// range and a histogram of the ranking keys' top 16 bits, which locates the key range holding the cutoff;
/// (2) the reported histogram, the pair counts of every allocation below that range, the candidates in it (collected,
/// then sorted by key and listing position to find the exact cutoff and the ones that are in) and how many
/// constrained allocations each listing range holds, which locates the drawn one, found by walking its range once
/// more. Only when over a million candidates share the cutoff's key range (large tied groups, as in designs with
/// categorical covariates only) is it narrowed down by further walks, 16 key bits each, and, for a single key, one
/// more walk finds the listing position of the last tied candidate that is in.
/// Sampled candidates (at most sampleSize) are kept in memory: their masks and scores.
/// </para>
/// </summary>
public static class ConstrainedRandomisation
{
    public const string L2 = "l2", L1 = "l1";
    public const double DefaultCutoff = 0.1;
    public const long DefaultMaxCandidates = 1_000_000_000, DefaultSampleSize = 1_000_000;
    public const int HistogramBins = 20;

    /// <summary>|T|, the first arm's number of clusters at the ratio r1:r2: round(n·r1/(r1+r2)), half to even.</summary>
    public static int FirstArmSize(int clusters, int ratioFirst, int ratioSecond)
    {
        if (clusters < 2)
            throw new ArgumentOutOfRangeException(nameof(clusters), "Constrained randomisation needs at least 2 clusters.");
        if (ratioFirst < 1 || ratioSecond < 1)
            throw new ArgumentOutOfRangeException(nameof(ratioFirst), "Both ratio parts are at least 1.");
        long numerator = (long)clusters * ratioFirst, denominator = (long)ratioFirst + ratioSecond;
        var size = numerator / denominator;
        var twice = 2 * (numerator % denominator);
        if (twice > denominator || (twice == denominator && size % 2 == 1))
            size++;
        if (size < 1 || size > clusters - 1)
            throw new ArgumentOutOfRangeException(nameof(clusters),
                $"At {ratioFirst}:{ratioSecond}, {clusters} clusters leave an arm empty ({size} in the first).");
        return (int)size;
    }

    /// <summary>The size of the constrained space of N candidates: round(N × cutoff), half to even, between 1 and N.</summary>
    public static long ConstrainedSize(long candidates, double cutoff) =>
        Math.Clamp((long)Math.Round(candidates * cutoff, MidpointRounding.ToEven), 1, candidates);

    /// <summary>A reported score: rounded to 12 significant digits, which hides the last bits of floating point (0.6, not 0.6000000000000001).</summary>
    public static double Reported(double score) =>
        score == 0 || !double.IsFinite(score)
            ? score
            : double.Parse(score.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>The diagnostics without a draw. The source is used only when the candidates are sampled.</summary>
    public static ConstrainedResult Preview(IReadOnlyList<ConstrainedCluster> clusters, int firstArmSize, ConstrainedOptions options,
        IUniformSource sampling, CancellationToken ct = default) =>
        Run(clusters, firstArmSize, options, sampling, choice: null, ConstrainedTuning.Default, ct);

    /// <summary>
    /// The diagnostics and a draw. Draws from the source, in this order: when sampled, Next(C(n, |T|)) until
    /// sampleSize distinct ranks are drawn; then Next(ConstrainedCount) once, the index of the chosen allocation.
    /// </summary>
    public static ConstrainedResult Allocate(IReadOnlyList<ConstrainedCluster> clusters, int firstArmSize, ConstrainedOptions options,
        IUniformSource random, CancellationToken ct = default) =>
        Run(clusters, firstArmSize, options, random, random, ConstrainedTuning.Default, ct);

    /// <summary>As <see cref="Allocate"/> with separate sources for the sample and the draw; no draw when <paramref name="choice"/> is null.</summary>
    public static ConstrainedResult Run(IReadOnlyList<ConstrainedCluster> clusters, int firstArmSize, ConstrainedOptions options,
        IUniformSource sampling, IUniformSource? choice, CancellationToken ct = default) =>
        Run(clusters, firstArmSize, options, sampling, choice, ConstrainedTuning.Default, ct);

    /// <summary>
    /// sampleSize distinct lexicographic ranks of k-of-n combinations, ascending: Next(C(n, k)) is drawn until that many
    /// distinct values have come up (so the set is uniform among sets of that size).
    /// </summary>
    public static long[] SampleRanks(int n, int k, long sampleSize, IUniformSource random)
    {
        var total = Combinations.Binomial(n, k);
        if (sampleSize < 1 || sampleSize > total || sampleSize > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(sampleSize), $"A sample of {sampleSize} distinct combinations of C({n}, {k}) = {total}.");
        var size = (int)sampleSize;
        var ranks = new long[size];
        var merged = new long[size];
        var have = 0;
        while (have < size)
        {
            // Exactly the shortfall, so that the draws are the same as drawing one at a time until `size` are distinct.
            var fresh = new long[size - have];
            for (var i = 0; i < fresh.Length; i++)
            {
                var rank = random.Next(total);
                if (rank < 0 || rank >= total)
                    throw new InvalidOperationException($"The random source answered {rank}, outside [0, {total}).");
                fresh[i] = rank;
            }
            Array.Sort(fresh);
            int a = 0, b = 0, count = 0;
            while (a < have || b < fresh.Length)
            {
                var next = b >= fresh.Length || (a < have && ranks[a] <= fresh[b]) ? ranks[a++] : fresh[b++];
                if (count == 0 || merged[count - 1] != next)
                    merged[count++] = next;
            }
            (ranks, merged) = (merged, ranks);
            have = count;
        }
        return ranks;
    }

    internal static ConstrainedResult Run(IReadOnlyList<ConstrainedCluster> clusters, int firstArmSize, ConstrainedOptions options,
        IUniformSource sampling, IUniformSource? choice, ConstrainedTuning tuning, CancellationToken ct)
    {
        var n = clusters.Count;
        if (n < 2)
            throw new ArgumentException("Constrained randomisation needs at least 2 clusters.", nameof(clusters));
        if (n > Combinations.MaxItems)
            throw new ArgumentException($"Constrained randomisation supports at most {Combinations.MaxItems} clusters, not {n}.", nameof(clusters));
        if (firstArmSize < 1 || firstArmSize > n - 1)
            throw new ArgumentOutOfRangeException(nameof(firstArmSize), $"The first arm has 1 to {n - 1} of the {n} clusters, not {firstArmSize}.");
        if (options.Metric is not (L2 or L1))
            throw new ArgumentException($"The metric is {L2} or {L1}, not '{options.Metric}'.", nameof(options));
        if (!(options.Cutoff > 0 && options.Cutoff <= 1))
            throw new ArgumentException("The cutoff is in (0, 1].", nameof(options));
        if (options.MaxCandidates < 1 || options.SampleSize < 1)
            throw new ArgumentException("maxCandidates and sampleSize are at least 1.", nameof(options));

        var model = ConstrainedModel.Build(clusters, firstArmSize, options.Covariates, options.Metric == L2);
        var workers = tuning.Workers ?? Environment.ProcessorCount;
        var total = Combinations.Binomial(n, firstArmSize);
        ConstrainedSpace space = total <= options.MaxCandidates || total <= options.SampleSize
            ? new ConstrainedExhaustiveSpace(model)
            : new ConstrainedSampledSpace(model, SampleRanks(n, firstArmSize, options.SampleSize, sampling), workers, ct);
        return new Pipeline(space, clusters, options.Cutoff, tuning, workers, ct).Run(choice);
    }

    /// <summary>Runs body(worker, chunk) for every chunk, on at most `workers` threads; each worker's state is its own.</summary>
    internal static void ForChunks(int chunks, int workers, CancellationToken ct, Action<int, int> body)
    {
        workers = Math.Max(1, Math.Min(workers, chunks));
        if (workers == 1)
        {
            for (var c = 0; c < chunks; c++)
            {
                ct.ThrowIfCancellationRequested();
                body(0, c);
            }
            return;
        }
        var next = -1;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = ct }, worker =>
        {
            int chunk;
            while ((chunk = Interlocked.Increment(ref next)) < chunks)
            {
                ct.ThrowIfCancellationRequested();
                body(worker, chunk);
            }
        });
    }

    private sealed class Pipeline
    {
        /// <summary>Key bits per histogram: 2^16 counters per worker.</summary>
        private const int RefineBits = 16;

        private readonly ConstrainedSpace _space;
        private readonly IReadOnlyList<ConstrainedCluster> _clusters;
        private readonly double _cutoff;
        private readonly ConstrainedTuning _tuning;
        private readonly CancellationToken _ct;
        private readonly long _count;
        private readonly long _chunkSize;
        private readonly int _chunks;
        private readonly int _workers;

        public Pipeline(ConstrainedSpace space, IReadOnlyList<ConstrainedCluster> clusters, double cutoff, ConstrainedTuning tuning, int workers,
            CancellationToken ct)
        {
            _space = space;
            _clusters = clusters;
            _cutoff = cutoff;
            _tuning = tuning;
            _ct = ct;
            _count = space.Count;
            _chunkSize = Math.Max(tuning.MinChunk, (_count + tuning.MaxChunks - 1) / tuning.MaxChunks);
            _chunks = (int)((_count + _chunkSize - 1) / _chunkSize);
            _workers = Math.Max(1, Math.Min(workers, _chunks));
        }

        private (long Start, long End) Range(int chunk) => (chunk * _chunkSize, Math.Min(_count, (chunk + 1) * _chunkSize));

        public ConstrainedResult Run(IUniformSource? choice)
        {
            var target = ConstrainedSize(_count, _cutoff);
            const int keyBits = ConstrainedModel.KeyBits;

            // Walk 1: the range of the scores and a histogram of the keys' top bits (2^16 counters: they stay in cache).
            var binBits = Math.Clamp(64 - BitOperations.LeadingZeroCount((ulong)_count), 4, RefineBits);
            var shift = keyBits - binBits;
            var topBins = new long[]?[_workers];
            var mins = Enumerable.Repeat(double.PositiveInfinity, _workers).ToArray();
            var maxs = Enumerable.Repeat(double.NegativeInfinity, _workers).ToArray();
            ForChunks(_chunks, _workers, _ct, (w, c) =>
            {
                var visitor = new ConstrainedRangeVisitor(topBins[w] ??= new long[(1 << binBits) + 1], shift);
                var (start, end) = Range(c);
                _space.Walk(start, end, ref visitor);
                mins[w] = Math.Min(mins[w], visitor.Min);
                maxs[w] = Math.Max(maxs[w], visitor.Max);
            });
            double min = mins.Min(), max = maxs.Max();
            var (prefix, remaining) = Locate(Sum(topBins), target);
            var prefixCount = Sum(topBins)[prefix];

            // Only when the bin holding the cutoff has too many candidates to collect (large tied groups): narrow it
            // down by further walks, 16 more key bits each, and if one exact key still holds too many, find the
            // listing position of the last of them that is in.
            var prefixBits = binBits;
            while (prefixCount > _tuning.CollectLimit && prefixBits < keyBits)
            {
                var step = Math.Min(RefineBits, keyBits - prefixBits);
                var below = keyBits - prefixBits - step;
                var refined = new long[]?[_workers];
                var within = prefix;
                ForChunks(_chunks, _workers, _ct, (w, c) =>
                {
                    var visitor = new ConstrainedRefineVisitor(refined[w] ??= new long[1 << step], within, below, step);
                    var (start, end) = Range(c);
                    _space.Walk(start, end, ref visitor);
                });
                var counts = Sum(refined);
                var (sub, left) = Locate(counts, remaining);
                (prefix, remaining, prefixCount) = ((prefix << step) | sub, left, counts[sub]);
                prefixBits += step;
            }
            var low = prefix << (keyBits - prefixBits);
            var high = Math.Min(ConstrainedModel.KeyMax, low + (1L << (keyBits - prefixBits)) - 1);
            var collect = prefixCount <= _tuning.CollectLimit;
            var tiedPosition = long.MaxValue;
            if (!collect && remaining < prefixCount)
                tiedPosition = FindTied(low, remaining);

            // Walk 2: the reported histogram; the pair counts of the allocations that are in for sure (keys below the
            // cutoff's range, or the tied key up to its position); the candidates in the cutoff's range, collected.
            var reportBins = max > min ? HistogramBins : 1;
            var scale = max > min ? reportBins / (max - min) : 0;
            var reports = new long[]?[_workers];
            var states = new ConstrainedPairCounts?[_workers];
            var collected = new List<ConstrainedBoundary>?[_workers];
            var perChunk = new long[_chunks];
            ForChunks(_chunks, _workers, _ct, (w, c) =>
            {
                var state = states[w] ??= new ConstrainedPairCounts(_clusters.Count);
                var before = state.Selected;
                var visitor = new ConstrainedFinalVisitor(reports[w] ??= new long[reportBins], min, scale, low, high, tiedPosition,
                    collect ? (collected[w] ??= []) : null, state);
                var (start, end) = Range(c);
                _space.Walk(start, end, ref visitor);
                perChunk[c] = state.Selected - before;
            });
            var report = Sum(reports);
            var pairCounts = states.OfType<ConstrainedPairCounts>().ToList();

            long cutoffKey = low, cutoffPosition = tiedPosition;
            if (collect)
            {
                var boundary = collected.OfType<List<ConstrainedBoundary>>().SelectMany(l => l).ToArray();
                Array.Sort(boundary);
                var last = boundary[remaining - 1];
                (cutoffKey, cutoffPosition) = (last.Key, last.Position);
                for (var i = 0; i < remaining; i++)
                {
                    pairCounts[0].Add(boundary[i].Mask, boundary[i].Score);
                    perChunk[boundary[i].Position / _chunkSize]++;
                }
            }
            foreach (var state in pairCounts)
                state.Flush();
            var selected = pairCounts.Sum(s => s.Selected);
            if (selected != target)
                throw new InvalidOperationException($"The constrained space holds {selected} allocations, not {target}.");
            var cutoffScore = pairCounts.Max(s => s.MaxScore);

            var chosen = choice is null ? null : Choose(choice, target, perChunk, cutoffKey, cutoffPosition);
            var (pairs, warnings) = Pairs(pairCounts, target);
            var histogram = Enumerable.Range(0, reportBins).Select(i => new ConstrainedHistogramBin(
                Reported(min + i * (max - min) / reportBins),
                Reported(i == reportBins - 1 ? max : min + (i + 1) * (max - min) / reportBins),
                report[i])).ToList();
            return new ConstrainedResult(_count, target, _space.Exhaustive, Reported(cutoffScore), histogram, pairs, warnings, chosen);
        }

        /// <summary>The listing position of the wanted-th (from 1) candidate with this key: count them per chunk, then walk one chunk.</summary>
        private long FindTied(long key, long wanted)
        {
            var perChunk = new long[_chunks];
            ForChunks(_chunks, _workers, _ct, (_, c) =>
            {
                var visitor = new ConstrainedKeyVisitor(key, long.MaxValue);
                var (start, end) = Range(c);
                _space.Walk(start, end, ref visitor);
                perChunk[c] = visitor.Seen;
            });
            var (chunk, within) = Locate(perChunk, wanted);
            var find = new ConstrainedKeyVisitor(key, within);
            var range = Range((int)chunk);
            _space.Walk(range.Start, range.End, ref find);
            return find.Found;
        }

        private ConstrainedChoice Choose(IUniformSource choice, long target, long[] perChunk, long cutoffKey, long cutoffPosition)
        {
            var index = choice.Next(target);
            if (index < 0 || index >= target)
                throw new InvalidOperationException($"The random source answered {index}, outside [0, {target}).");
            var (chunk, within) = Locate(perChunk, index + 1);
            var visitor = new ConstrainedChoiceVisitor(cutoffKey, cutoffPosition, within - 1);
            var (start, end) = Range((int)chunk);
            _space.Walk(start, end, ref visitor);
            var model = _space.Model;
            var natural = model.Flip(visitor.Mask);
            var inFirstArm = Enumerable.Range(0, model.Clusters).Select(i => (natural >> i & 1) == 1).ToList();
            return new ConstrainedChoice(index, visitor.Position, _space.RankOf(visitor.Position, visitor.Mask), Reported(visitor.Score), inFirstArm);
        }

        private (List<ConstrainedPair>, List<string>) Pairs(List<ConstrainedPairCounts> counts, long selected)
        {
            var n = _clusters.Count;
            var together = new long[64 * 64];
            foreach (var state in counts)
                for (var i = 0; i < together.Length; i++)
                    together[i] += state.Totals[i];
            // Bit n−1−i stands for cluster i; the totals are kept for bit a ≤ bit b.
            long Both(int i, int j) => together[(n - 1 - Math.Max(i, j)) * 64 + (n - 1 - Math.Min(i, j))];
            var pairs = new List<ConstrainedPair>(n * (n - 1) / 2);
            var warnings = new List<string>();
            for (var i = 0; i < n; i++)
            {
                for (var j = i + 1; j < n; j++)
                {
                    var both = Both(i, j);
                    var same = both + (selected - Both(i, i) - Both(j, j) + both);
                    pairs.Add(new ConstrainedPair(i, j, _clusters[i].Code, _clusters[j].Code, same, (double)same / selected));
                    if (same == selected)
                        warnings.Add($"Clusters {_clusters[i].Code} and {_clusters[j].Code} are in the same arm in all {selected} constrained allocations; the design does not support a permutation test.");
                    else if (same == 0)
                        warnings.Add($"Clusters {_clusters[i].Code} and {_clusters[j].Code} are in different arms in all {selected} constrained allocations; the design does not support a permutation test.");
                }
            }
            return (pairs, warnings);
        }

        /// <summary>The bin holding the wanted-th (from 1) item of a histogram, and which of the bin's items it is (from 1).</summary>
        private static (long Bin, long Within) Locate(long[] bins, long wanted)
        {
            for (var i = 0; i < bins.Length; i++)
            {
                if (wanted <= bins[i])
                    return (i, wanted);
                wanted -= bins[i];
            }
            throw new InvalidOperationException("The histogram holds fewer items than wanted.");
        }

        private static long[] Sum(long[]?[] perWorker)
        {
            var sum = new long[perWorker.First(b => b is not null)!.Length];
            foreach (var bins in perWorker)
                if (bins is not null)
                    for (var i = 0; i < sum.Length; i++)
                        sum[i] += bins[i];
            return sum;
        }
    }
}
