namespace TrialManager.Api.Features.Randomisation.Methods;

/// <summary>
/// A stratum's permuted-block sequence: blocks whose sizes are drawn at random from the configured sizes (each a
/// multiple of the ratio total), each block holding every arm in proportion to the ratio, in a random order. The
/// sequence of a stratum depends only on the seed and the stratum's name, so it is fixed at sealing and can be
/// replayed; it is as long as it needs to be.
/// </summary>
public static class BlockSequence
{
    public static IReadOnlyList<string> Generate(IReadOnlyList<ArmRatio> arms, IReadOnlyList<int> blockSizes, SealedRandom random,
        string stratum, int length)
    {
        var total = arms.Sum(a => a.Ratio);
        var sequence = new List<string>(length + blockSizes.Max());
        for (var block = 0; sequence.Count < length; block++)
        {
            var size = blockSizes[(int)random.Next($"block/{stratum}/{block}/size", blockSizes.Count)];
            var contents = arms.SelectMany(a => Enumerable.Repeat(a.Code, a.Ratio * size / total)).ToList();
            sequence.AddRange(random.Shuffle($"block/{stratum}/{block}/order", contents));
        }
        return sequence.Take(length).ToList();
    }

    /// <summary>The arm at a 1-based position of the stratum's sequence.</summary>
    public static string ArmAt(IReadOnlyList<ArmRatio> arms, IReadOnlyList<int> blockSizes, SealedRandom random, string stratum, int position) =>
        Generate(arms, blockSizes, random, stratum, position)[position - 1];
}
