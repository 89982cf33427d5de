using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TrialManager.Data.Access;
using TrialManager.Data.Participants;
using TrialManager.Data.Trials;

namespace TrialManager.Data.Reminders;

internal sealed class SentReminderConfiguration : IEntityTypeConfiguration<SentReminder>
{
    public void Configure(EntityTypeBuilder<SentReminder> reminder)
    {
        reminder.ToTable("sent_reminders");
        reminder.Property(r => r.TimepointCode).HasMaxLength(Limits.Code);
        reminder.Property(r => r.State).HasMaxLength(Limits.Word);
        reminder.HasOne<Trial>().WithMany().HasForeignKey(r => r.TrialId).OnDelete(DeleteBehavior.Restrict);
        reminder.HasOne<Participant>().WithMany().HasForeignKey(r => r.ParticipantId).OnDelete(DeleteBehavior.Restrict);
        reminder.HasOne<User>().WithMany().HasForeignKey(r => r.RecipientUserId).OnDelete(DeleteBehavior.Restrict);
        reminder.HasIndex(r => new { r.ParticipantId, r.TimepointCode, r.State, r.RecipientUserId }).IsUnique()
            .HasDatabaseName("ux_sent_reminders_once");
    }
}
