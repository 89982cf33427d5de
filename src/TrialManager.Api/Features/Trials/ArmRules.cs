using FluentValidation;
using TrialManager.Api.Infrastructure.Validation;

namespace TrialManager.Api.Features.Trials;

public sealed record ArmInput(string? Code, string? Label, int? Ratio);

/// <summary>A trial has 2 to 10 arms with distinct codes; an arm's ratio is its share, e.g. 2 and 1 for 2:1.</summary>
public static class ArmRules
{
    public const int MaxArms = 10;
    public const int MaxRatio = 20;

    public static IRuleBuilderOptions<T, IEnumerable<ArmInput>> AreArms<T>(this IRuleBuilder<T, IReadOnlyList<ArmInput>?> rule) =>
        rule.Must(arms => arms is { Count: >= 2 and <= MaxArms })
            .WithErrorCode("count").WithMessage($"A trial has between 2 and {MaxArms} arms.")
            .Must(arms => arms is null || arms.Select(a => a.Code?.ToLowerInvariant()).Distinct().Count() == arms.Count)
            .WithErrorCode("unique").WithMessage("Arm codes must be unique.")
            .ForEach(arm => arm.SetValidator(new ArmValidator()));

    private sealed class ArmValidator : AbstractValidator<ArmInput>
    {
        public ArmValidator()
        {
            RuleFor(a => a.Code).IsCode();
            RuleFor(a => a.Label).IsTitle();
            RuleFor(a => a.Ratio).NotNull().InclusiveBetween(1, MaxRatio);
        }
    }
}
