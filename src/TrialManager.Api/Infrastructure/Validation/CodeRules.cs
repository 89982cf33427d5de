using FluentValidation;
using TrialManager.Data;

namespace TrialManager.Api.Infrastructure.Validation;

/// <summary>
/// Codes (trial, site, cluster, arm, participant, instrument, item, scale, timepoint) are short identifiers that
/// survive CSV, ODM and URLs; titles, names and labels are one line; reasons and free text may break lines. Every
/// text also passed <see cref="TextRules"/> when the request was read.
/// </summary>
public static class CodeRules
{
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._-]*$";
    public const string CodeMessage = "may hold only letters, digits, '.', '_' and '-', starting with a letter or digit (at most 64)";

    public static bool IsValidCode(string? code) =>
        code is { Length: > 0 and <= Limits.Code } && System.Text.RegularExpressions.Regex.IsMatch(code, Pattern);

    public static bool IsValidTitle(string? title) =>
        !string.IsNullOrWhiteSpace(title) && title.Length <= Limits.Title && !TextRules.HasLineBreak(title);

    public static IRuleBuilderOptions<T, string?> IsCode<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaximumLength(Limits.Code).Matches(Pattern)
            .WithMessage($"'{{PropertyName}}' {CodeMessage}.");

    public static IRuleBuilderOptions<T, string?> IsTitle<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaximumLength(Limits.Title)
            .Must(t => !TextRules.HasLineBreak(t)).WithErrorCode("single-line").WithMessage("'{PropertyName}' is one line.");

    public static IRuleBuilderOptions<T, string?> IsReason<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(Limits.Reason);
}
