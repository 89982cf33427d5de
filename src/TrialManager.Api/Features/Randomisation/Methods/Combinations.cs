using System.Numerics;

namespace TrialManager.Api.Features.Randomisation.Methods;

/// <summary>
/// k-combinations of the items 0..n−1 (n at most 64) in lexicographic order of their ascending item lists, e.g. for
/// n = 4, k = 2: {0,1}, {0,2}, {0,3}, {1,2}, {1,3}, {2,3}; the rank of a combination is its 0-based place in that
/// order (the combinatorial number system). A combination is a bit mask with bit i set when item i is a member.
/// </summary>
public static class Combinations
{
    /// <summary>The most items a mask can hold.</summary>
    public const int MaxItems = 64;

    /// <summary>Pascal's triangle up to 64: every C(n, k) with n ≤ 64 fits a long (the largest, C(64, 32), is about 1.8e18).</summary>
    private static readonly long[,] Table = Pascal();

    /// <summary>C(n, k): 0 when k &lt; 0 or k &gt; n, and <see cref="long.MaxValue"/> when the true value does not fit a long.</summary>
    public static long Binomial(int n, int k)
    {
        if (n < 0 || k < 0 || k > n)
            return 0;
        if (n <= MaxItems)
            return Table[n, k];
        k = Math.Min(k, n - k);
        // C(n−k+i, i) for i = 1..k: each step is exact and the sequence only grows, so it saturates once it overflows.
        UInt128 value = 1;
        for (var i = 1; i <= k; i++)
        {
            value = value * (UInt128)(n - k + i) / (UInt128)i;
            if (value > long.MaxValue)
                return long.MaxValue;
        }
        return (long)value;
    }

    /// <summary>The combination of k of n items with this lexicographic rank, as a mask (bit i = item i).</summary>
    public static ulong Unrank(int n, int k, long rank)
    {
        CheckSize(n, k);
        if (rank < 0 || rank >= Table[n, k])
            throw new ArgumentOutOfRangeException(nameof(rank), $"The rank must be in [0, C({n}, {k})).");
        ulong mask = 0;
        var item = 0;
        for (var i = 0; i < k; i++)
        {
            // Combinations whose i-th member is `item` (with the earlier members fixed) number C(n − item − 1, k − i − 1).
            while (true)
            {
                var count = Table[n - item - 1, k - i - 1];
                if (rank < count)
                    break;
                rank -= count;
                item++;
            }
            mask |= 1UL << item;
            item++;
        }
        return mask;
    }

    /// <summary>The lexicographic rank of a combination of n items (its size is the number of members).</summary>
    public static long Rank(int n, ulong mask)
    {
        var k = BitOperations.PopCount(mask);
        CheckSize(n, k);
        if (n < MaxItems && mask >> n != 0)
            throw new ArgumentOutOfRangeException(nameof(mask), $"The mask has members beyond item {n - 1}.");
        long rank = 0;
        var item = 0;
        var i = 0;
        var rest = mask;
        while (rest != 0)
        {
            var member = BitOperations.TrailingZeroCount(rest);
            rest &= rest - 1;
            for (; item < member; item++)
                rank += Table[n - item - 1, k - i - 1];
            item = member + 1;
            i++;
        }
        return rank;
    }

    /// <summary>The members of a mask, ascending.</summary>
    public static int[] Members(ulong mask)
    {
        var members = new int[BitOperations.PopCount(mask)];
        for (var i = 0; mask != 0; i++)
        {
            members[i] = BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;
        }
        return members;
    }

    private static void CheckSize(int n, int k)
    {
        if (n is < 1 or > MaxItems)
            throw new ArgumentOutOfRangeException(nameof(n), $"Combinations of at most {MaxItems} items are supported, not {n}.");
        if (k < 0 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), $"A combination of {n} items has 0 to {n} members, not {k}.");
    }

    private static long[,] Pascal()
    {
        var table = new long[MaxItems + 1, MaxItems + 1];
        for (var n = 0; n <= MaxItems; n++)
        {
            table[n, 0] = 1;
            for (var k = 1; k <= n; k++)
                table[n, k] = table[n - 1, k - 1] + table[n - 1, k];
        }
        return table;
    }
}
