using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace TrialManager.Api.Features.Randomisation.Methods;

/// <summary>Sees every candidate of a range in listing order: its ranking key, score, listing position and (reversed) mask.</summary>
internal interface IConstrainedVisitor
{
    void Visit(long key, double score, long position, ulong mask);
}

/// <summary>The candidates, in listing order, walked by ranges of listing positions (so that ranges can run in parallel).</summary>
internal abstract class ConstrainedSpace(ConstrainedModel model)
{
    public ConstrainedModel Model { get; } = model;
    public abstract long Count { get; }
    public abstract bool Exhaustive { get; }

    public abstract void Walk<TVisitor>(long start, long end, ref TVisitor visitor) where TVisitor : struct, IConstrainedVisitor;

    /// <summary>The lexicographic rank among all C(n, |T|) combinations of the candidate at this listing position.</summary>
    public abstract long RankOf(long position, ulong mask);
}

/// <summary>
/// Every combination, in lexicographic order. With reversed masks (bit n−1−i = cluster i) that order is descending
/// mask order, so the complement masks (the second arm) ascend, and each successor is the next larger integer with the
/// same number of bits (Gosper's hack) on the complement. A step changes few members (on average about 2 for 30 choose
/// 15), and only their columns are updated: A_k −= Y of the leaving clusters, += Y of the entering ones.
/// </summary>
internal sealed class ConstrainedExhaustiveSpace(ConstrainedModel model) : ConstrainedSpace(model)
{
    public override long Count { get; } = Combinations.Binomial(model.Clusters, model.FirstArm);
    public override bool Exhaustive => true;

    public override long RankOf(long position, ulong mask) => position;

    public override void Walk<TVisitor>(long start, long end, ref TVisitor visitor)
    {
        if (Model.Singletons && Model.Y8 is not null && Vector256.IsHardwareAccelerated)
            WalkVectors(start, end, ref visitor);
        else
            WalkColumns(start, end, ref visitor);
    }

    /// <summary>Up to 8 columns, each without a twin coefficient: A in two vectors of 4, updated a row at a time.</summary>
    private void WalkVectors<TVisitor>(long start, long end, ref TVisitor visitor) where TVisitor : struct, IConstrainedVisitor
    {
        var model = Model;
        var full = model.Full;
        var invUnit = model.InvUnit;
        var l2 = model.IsL2;
        ref var y0 = ref MemoryMarshal.GetArrayDataReference(model.Y8!);
        var coefficientLow = Vector256.Create(model.Coefficient8!.AsSpan(0, 4));
        var coefficientHigh = Vector256.Create(model.Coefficient8!.AsSpan(4, 4));
        var mask = model.Flip(Combinations.Unrank(model.Clusters, model.FirstArm, start));
        var a = new double[ConstrainedModel.VectorColumns];
        model.Init(mask, a);
        var low = Vector256.Create(a.AsSpan(0, 4));
        var high = Vector256.Create(a.AsSpan(4, 4));
        var rest = ~mask & full;
        var v = visitor;
        for (var position = start; ; )
        {
            // The products of ConstrainedModel.Score, added in the same order (the padding adds zeros): the same score.
            var p = l2 ? coefficientLow * (low * low) : coefficientLow * Vector256.Abs(low);
            var q = l2 ? coefficientHigh * (high * high) : coefficientHigh * Vector256.Abs(high);
            var score = p.GetElement(0);
            score += p.GetElement(1);
            score += p.GetElement(2);
            score += p.GetElement(3);
            score += q.GetElement(0);
            score += q.GetElement(1);
            score += q.GetElement(2);
            score += q.GetElement(3);
            var key = (long)(score * invUnit + 0.5);
            v.Visit(key > ConstrainedModel.KeyMax ? ConstrainedModel.KeyMax : key, score, position, mask);
            if (++position >= end)
                break;
            // Gosper: the next larger integer with as many bits (never called past the last combination, so no overflow).
            var t = rest | (rest - 1);
            rest = (t + 1) | (((~t & (t + 1)) - 1) >> (BitOperations.TrailingZeroCount(rest) + 1));
            var next = ~rest & full;
            var leaving = mask & ~next;
            var entering = next & ~mask;
            mask = next;
            while (leaving != 0)
            {
                var row = (nuint)(BitOperations.TrailingZeroCount(leaving) * ConstrainedModel.VectorColumns);
                leaving &= leaving - 1;
                low -= Vector256.LoadUnsafe(ref y0, row);
                high -= Vector256.LoadUnsafe(ref y0, row + 4);
            }
            while (entering != 0)
            {
                var row = (nuint)(BitOperations.TrailingZeroCount(entering) * ConstrainedModel.VectorColumns);
                entering &= entering - 1;
                low += Vector256.LoadUnsafe(ref y0, row);
                high += Vector256.LoadUnsafe(ref y0, row + 4);
            }
        }
        visitor = v;
    }

    /// <summary>Any number of columns, scored by <see cref="ConstrainedModel.Score"/>.</summary>
    private void WalkColumns<TVisitor>(long start, long end, ref TVisitor visitor) where TVisitor : struct, IConstrainedVisitor
    {
        var model = Model;
        var m = model.Columns;
        var full = model.Full;
        var a = new double[m];
        ref var a0 = ref MemoryMarshal.GetArrayDataReference(a);
        ref var y0 = ref MemoryMarshal.GetArrayDataReference(model.Y);
        var mask = model.Flip(Combinations.Unrank(model.Clusters, model.FirstArm, start));
        model.Init(mask, a);
        var rest = ~mask & full;
        var v = visitor;
        for (var position = start; ; )
        {
            var score = model.Score(a);
            v.Visit(model.Key(score), score, position, mask);
            if (++position >= end)
                break;
            var t = rest | (rest - 1);
            rest = (t + 1) | (((~t & (t + 1)) - 1) >> (BitOperations.TrailingZeroCount(rest) + 1));
            var next = ~rest & full;
            var leaving = mask & ~next;
            var entering = next & ~mask;
            mask = next;
            while (leaving != 0)
            {
                ref var row = ref Unsafe.Add(ref y0, BitOperations.TrailingZeroCount(leaving) * m);
                leaving &= leaving - 1;
                for (var c = 0; c < m; c++)
                    Unsafe.Add(ref a0, c) -= Unsafe.Add(ref row, c);
            }
            while (entering != 0)
            {
                ref var row = ref Unsafe.Add(ref y0, BitOperations.TrailingZeroCount(entering) * m);
                entering &= entering - 1;
                for (var c = 0; c < m; c++)
                    Unsafe.Add(ref a0, c) += Unsafe.Add(ref row, c);
            }
        }
        visitor = v;
    }
}

/// <summary>A sorted sample of distinct combinations (listing order = lexicographic order), each scored once.</summary>
internal sealed class ConstrainedSampledSpace : ConstrainedSpace
{
    private readonly ulong[] _masks;
    private readonly double[] _scores;

    public ConstrainedSampledSpace(ConstrainedModel model, long[] sortedRanks, int workers, CancellationToken ct) : base(model)
    {
        _masks = new ulong[sortedRanks.Length];
        _scores = new double[sortedRanks.Length];
        const int chunk = 16384;
        var chunks = (sortedRanks.Length + chunk - 1) / chunk;
        ConstrainedRandomisation.ForChunks(chunks, workers, ct, (_, c) =>
        {
            var a = new double[model.Columns];
            for (int i = c * chunk, end = Math.Min(sortedRanks.Length, i + chunk); i < end; i++)
            {
                var mask = model.Flip(Combinations.Unrank(model.Clusters, model.FirstArm, sortedRanks[i]));
                model.Init(mask, a);
                _masks[i] = mask;
                _scores[i] = model.Score(a);
            }
        });
    }

    public override long Count => _masks.Length;
    public override bool Exhaustive => false;

    public override long RankOf(long position, ulong mask) => Combinations.Rank(Model.Clusters, Model.Flip(mask));

    public override void Walk<TVisitor>(long start, long end, ref TVisitor visitor)
    {
        var model = Model;
        var v = visitor;
        for (var i = (int)start; i < end; i++)
        {
            var score = _scores[i];
            v.Visit(model.Key(score), score, i, _masks[i]);
        }
        visitor = v;
    }
}

/// <summary>A candidate in the key range that holds the cutoff, collected to be sorted by (key, position).</summary>
internal readonly record struct ConstrainedBoundary(long Key, long Position, double Score, ulong Mask) : IComparable<ConstrainedBoundary>
{
    public int CompareTo(ConstrainedBoundary other) =>
        Key != other.Key ? Key.CompareTo(other.Key) : Position.CompareTo(other.Position);
}

/// <summary>Walk 1: the range of the scores and a histogram of the keys' top bits.</summary>
internal struct ConstrainedRangeVisitor(long[] bins, int shift) : IConstrainedVisitor
{
    public double Min = double.PositiveInfinity, Max = double.NegativeInfinity;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Visit(long key, double score, long position, ulong mask)
    {
        bins[key >> shift]++;
        if (score < Min)
            Min = score;
        if (score > Max)
            Max = score;
    }
}

/// <summary>Only for large tied groups: within the keys starting with `prefix`, a histogram of the next `step` bits.</summary>
internal struct ConstrainedRefineVisitor(long[] bins, long prefix, int below, int step) : IConstrainedVisitor
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Visit(long key, double score, long position, ulong mask)
    {
        if (key >> (below + step) == prefix)
            bins[(key >> below) & ((1L << step) - 1)]++;
    }
}

/// <summary>Only for large tied groups: how many candidates have exactly this key, and where the n-th of them is.</summary>
internal struct ConstrainedKeyVisitor(long key, long wanted) : IConstrainedVisitor
{
    public long Seen;
    public long Found = -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Visit(long candidateKey, double score, long position, ulong mask)
    {
        if (candidateKey == key && ++Seen == wanted)
            Found = position;
    }
}

/// <summary>
/// Per worker: for the constrained allocations, how often each pair of clusters is in the first arm together. The
/// masks are buffered 64 at a time and the 64×64 bit matrix is transposed (then word a has bit j set when cluster
/// bit a is in the j-th mask), so that a pair's count grows by popcount(word a AND word b): about n²/128 popcounts
/// per allocation instead of |T|²/2 increments.
/// </summary>
internal sealed class ConstrainedPairCounts(int clusters)
{
    private readonly ulong[] _buffer = new ulong[64];
    private int _buffered;

    /// <summary>[bit a × 64 + bit b], a ≤ b: allocations with both in the first arm; the diagonal counts single clusters.</summary>
    public long[] Totals { get; } = new long[64 * 64];

    public long Selected;
    public double MaxScore = double.NegativeInfinity;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong mask, double score)
    {
        Selected++;
        if (score > MaxScore)
            MaxScore = score;
        _buffer[_buffered] = mask;
        if (++_buffered == 64)
            Flush();
    }

    public void Flush()
    {
        var words = _buffer;
        Array.Clear(words, _buffered, 64 - _buffered);
        Transpose(words);
        for (var a = 0; a < clusters; a++)
        {
            var word = words[a];
            if (word == 0)
                continue;
            var row = a * 64;
            Totals[row + a] += BitOperations.PopCount(word);
            for (var b = a + 1; b < clusters; b++)
                Totals[row + b] += BitOperations.PopCount(word & words[b]);
        }
        _buffered = 0;
    }

    /// <summary>
    /// Transposes a 64×64 bit matrix in place (row i is rows[i], column j its bit j): swaps the off-diagonal blocks
    /// of 32, then of 16 within each, and so on (Hacker's Delight, 7-3).
    /// </summary>
    internal static void Transpose(ulong[] rows)
    {
        var m = 0x00000000FFFFFFFFUL;
        for (var j = 32; j != 0; j >>= 1, m ^= m << j)
        {
            for (var k = 0; k < 64; k = ((k | j) + 1) & ~j)
            {
                var t = ((rows[k] >> j) ^ rows[k | j]) & m;
                rows[k] ^= t << j;
                rows[k | j] ^= t;
            }
        }
    }
}

/// <summary>
/// Walk 2: the reported histogram (bins of `1 / scale` from `min`); the pair counts of every candidate that is in for
/// sure: keys below `low`, or (when nothing is collected) the tied key `low` = `high` up to `tiedPosition`; and the
/// candidates with keys in [low, high], collected to be sorted.
/// </summary>
internal struct ConstrainedFinalVisitor(long[] report, double min, double scale, long low, long high, long tiedPosition,
    List<ConstrainedBoundary>? collected, ConstrainedPairCounts counts) : IConstrainedVisitor
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Visit(long key, double score, long position, ulong mask)
    {
        var i = (int)((score - min) * scale);
        report[i < 0 ? 0 : i >= report.Length ? report.Length - 1 : i]++;
        if (key < low)
            counts.Add(mask, score);
        else if (key <= high)
        {
            if (collected is not null)
                collected.Add(new ConstrainedBoundary(key, position, score, mask));
            else if (position <= tiedPosition)
                counts.Add(mask, score);
        }
    }
}

/// <summary>The draw: the wanted-th (from 0) constrained allocation of a range.</summary>
internal struct ConstrainedChoiceVisitor(long cutoffKey, long cutoffPosition, long wanted) : IConstrainedVisitor
{
    public long Seen;
    public long Position = -1;
    public ulong Mask;
    public double Score;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Visit(long key, double score, long position, ulong mask)
    {
        if (key > cutoffKey || (key == cutoffKey && position > cutoffPosition))
            return;
        if (Seen++ == wanted)
        {
            Position = position;
            Mask = mask;
            Score = score;
        }
    }
}
