namespace TrialManager.Data.Trials;

/// <summary>A recruiting site, e.g. an NHS trust; researchers are granted access per site.</summary>
public sealed class Site : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public required string Code { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
}
