using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Data.Conventions;

namespace TrialManager.Api.Infrastructure;

/// <summary>Query-string filters use the same kebab-case words as the JSON bodies (`?status=follow-up`).</summary>
public static class QueryWords
{
    public static TEnum? Parse<TEnum>(string? word, string field) where TEnum : struct, Enum
    {
        if (string.IsNullOrEmpty(word))
            return null;
        if (KebabCaseEnumConverter<TEnum>.TryFromWord(word, out var value))
            return value;
        throw ProblemException.Invalid(field, "one-of",
            $"'{field}' must be one of: {string.Join(", ", Enum.GetValues<TEnum>().Select(KebabCaseEnumConverter<TEnum>.ToWord))}.");
    }
}
