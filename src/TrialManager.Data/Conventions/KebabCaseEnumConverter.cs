using System.Text.Json;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace TrialManager.Data.Conventions;

/// <summary>
/// Stores enums as the same kebab-case words the API uses ("follow-up", "withdrawn-data"),
/// so a DBA reading the tables sees the trial's own vocabulary.
/// </summary>
public sealed class KebabCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    value => ToWord(value),
    word => FromWord(word))
    where TEnum : struct, Enum
{
    private static readonly Dictionary<TEnum, string> Words =
        Enum.GetValues<TEnum>().ToDictionary(v => v, v => JsonNamingPolicy.KebabCaseLower.ConvertName(v.ToString()));

    private static readonly Dictionary<string, TEnum> Values = Words.ToDictionary(p => p.Value, p => p.Key);

    public static string ToWord(TEnum value) => Words[value];

    public static TEnum FromWord(string word) => Values[word];

    public static bool TryFromWord(string word, out TEnum value) => Values.TryGetValue(word, out value);
}
