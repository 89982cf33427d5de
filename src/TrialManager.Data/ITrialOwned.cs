namespace TrialManager.Data;

/// <summary>An entity that belongs to one trial: access checks and the audit trail key on it.</summary>
public interface ITrialOwned
{
    Guid TrialId { get; }
}
