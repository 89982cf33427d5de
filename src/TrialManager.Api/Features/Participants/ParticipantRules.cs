using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Api.Features.Participants;

/// <summary>Date rules of enrolment: consent comes first and cannot be in the future; baseline is on or after consent.</summary>
public static class ParticipantRules
{
    public static IReadOnlyList<Violation> CheckDates(DateOnly consentDate, DateOnly baselineDate, DateOnly today)
    {
        var violations = new List<Violation>();
        if (consentDate > today)
            violations.Add(new Violation("consentDate", "not-in-future", "The consent date cannot be in the future."));
        if (baselineDate < consentDate)
            violations.Add(new Violation("baselineDate", "on-or-after-consent", "The baseline date cannot be before the consent date."));
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
