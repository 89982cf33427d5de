using System.Text.Json;

namespace TrialManager.Api.Features.Blinding;

/// <summary>
/// The masked codes that stand for the arms in blinded extracts: `A`, `B`, ... given to the arms in a random order
/// drawn once when the scheme is sealed (from the sealed seed, under the label <see cref="DrawLabel"/>), so that every
/// blinded extract of a trial uses the same codes and the first arm is `A` only by chance.
/// </summary>
public static class ArmMasks
{
    public const string DrawLabel = "masked-arms";

    /// <param name="shuffle">A uniformly random permutation of the codes it is given, drawn under <see cref="DrawLabel"/>.</param>
    public static IReadOnlyDictionary<string, string> Draw(IReadOnlyList<string> armCodes, Func<IReadOnlyList<string>, IReadOnlyList<string>> shuffle)
    {
        var shuffled = shuffle(Enumerable.Range(0, armCodes.Count).Select(Code).ToArray());
        return armCodes.Select((arm, i) => (arm, mask: shuffled[i])).ToDictionary(p => p.arm, p => p.mask);
    }

    public static string ToJson(IReadOnlyDictionary<string, string> masks) => JsonSerializer.Serialize(masks);

    public static IReadOnlyDictionary<string, string> FromJson(string? json) =>
        json is null ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(json)!;

    /// <summary>A, B, ..., Z, AA, AB, ...</summary>
    private static string Code(int index) => index < 26 ? ((char)('A' + index)).ToString() : Code(index / 26 - 1) + Code(index % 26);
}
