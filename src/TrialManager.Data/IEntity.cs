namespace TrialManager.Data;

/// <summary>Every row has a UUIDv7 id: unique, and ordered by creation, which keyset paging relies on.</summary>
public interface IEntity
{
    Guid Id { get; }
}
