using FluentValidation;
using TrialManager.Data;

namespace TrialManager.Api.Infrastructure.Validation;

/// <summary>Codes (trial, site, cluster, arm, participant) are short identifiers that survive CSV, ODM and URLs.</summary>
public static class CodeRules
{
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._-]*$";

    public static IRuleBuilderOptions<T, string?> IsCode<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaximumLength(Limits.Code).Matches(Pattern)
            .WithMessage("'{PropertyName}' may hold only letters, digits, '.', '_' and '-', starting with a letter or digit.");

    public static IRuleBuilderOptions<T, string?> IsTitle<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaximumLength(Limits.Title);

    public static IRuleBuilderOptions<T, string?> IsReason<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(Limits.Reason);
}
