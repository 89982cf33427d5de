using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Api.Features.Participants;

/// <summary>
/// Date rules of enrolment: consent comes first, baseline on or after it, neither in the future nor before 1900
/// (a typo like 0001-01-01 or 9999-12-31 would otherwise stay in every follow-up window and extract).
/// </summary>
public static class ParticipantRules
{
    public static readonly DateOnly Earliest = new(1900, 1, 1);

    public static IReadOnlyList<Violation> CheckDates(DateOnly consentDate, DateOnly baselineDate, DateOnly today)
    {
        var violations = new List<Violation>();
        if (consentDate > today)
            violations.Add(new Violation("consentDate", "not-in-future", "The consent date cannot be in the future."));
        if (consentDate < Earliest)
            violations.Add(new Violation("consentDate", "not-before-1900", "The consent date cannot be before 1900."));
        if (baselineDate < consentDate)
            violations.Add(new Violation("baselineDate", "on-or-after-consent", "The baseline date cannot be before the consent date."));
        if (baselineDate > today)
            violations.Add(new Violation("baselineDate", "not-in-future", "The baseline date cannot be in the future."));
        if (baselineDate < Earliest)
            violations.Add(new Violation("baselineDate", "not-before-1900", "The baseline date cannot be before 1900."));
        return violations;
    }

    public static IReadOnlyList<Violation> CheckStatusDate(DateOnly statusDate, DateOnly consentDate, DateOnly today)
    {
        var violations = new List<Violation>();
        if (statusDate > today)
            violations.Add(new Violation("statusDate", "not-in-future", "A status change cannot take effect in the future."));
        if (statusDate < consentDate)
            violations.Add(new Violation("statusDate", "on-or-after-consent", "A status change cannot take effect before consent."));
        return violations;
    }
}
