using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace TrialManager.Api.Features.Randomisation.Methods;

/// <summary>
/// Every random decision of a scheme, derived from its sealed 256-bit seed: the bytes for a decision are
/// HMAC-SHA256(seed, label ‖ counter), so a decision is fixed by the seed and its label (e.g. "simple/7") and can be
/// replayed by anyone once the seed is revealed. The seed itself comes from the operating system's CSPRNG, so before
/// it is revealed the decisions are as unpredictable as the seed.
/// </summary>
public sealed class SealedRandom(byte[] seed)
{
    public const int SeedBytes = 32;

    /// <summary>A uniform integer in [0, exclusiveMax), by rejection sampling (no modulo bias).</summary>
    public long Next(string label, long exclusiveMax)
    {
        if (exclusiveMax <= 0)
            throw new ArgumentOutOfRangeException(nameof(exclusiveMax));
        if (exclusiveMax == 1)
            return 0;
        var limit = ulong.MaxValue - ulong.MaxValue % (ulong)exclusiveMax;
        Span<byte> block = stackalloc byte[32];
        for (var counter = 0; ; counter++)
        {
            Block(label, counter, block);
            for (var i = 0; i < 4; i++)
            {
                var value = BinaryPrimitives.ReadUInt64BigEndian(block.Slice(i * 8, 8));
                if (value < limit)
                    return (long)(value % (ulong)exclusiveMax);
            }
        }
    }

    /// <summary>A uniformly shuffled copy (Fisher–Yates), each swap a labelled draw.</summary>
    public T[] Shuffle<T>(string label, IReadOnlyList<T> items)
    {
        var result = items.ToArray();
        for (var i = result.Length - 1; i > 0; i--)
        {
            var j = (int)Next($"{label}/{i}", i + 1);
            (result[i], result[j]) = (result[j], result[i]);
        }
        return result;
    }

    private void Block(string label, int counter, Span<byte> block)
    {
        var message = Encoding.UTF8.GetBytes($"{label}#{counter}");
        HMACSHA256.HashData(seed, message, block);
    }
}
