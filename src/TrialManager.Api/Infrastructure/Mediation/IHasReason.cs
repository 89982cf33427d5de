namespace TrialManager.Api.Infrastructure.Mediation;

/// <summary>A command that accepts a reason for its change; the unit of work records it with every event the change causes.</summary>
public interface IHasReason
{
    string? Reason { get; }
}

/// <summary>A command whose result must not be stored to replay (a token's secret is shown once): it refuses an Idempotency-Key.</summary>
public interface INotReplayable;
