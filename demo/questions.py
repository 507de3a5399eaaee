"""Questions about the demo documents in staff's own words, for the retrieval regression gate and benchmarks.

Written the way people ask (paraphrases and synonyms, not the documents' sentences), some about table cells and
list items. UNCOVERED ones sound close to the documents but are not answered by them. Never tune a question
away: when one fails, the system is what needs to change.
"""

from retrieval.questionsets import Answerable, QuestionSet

HANDBOOK = "employee-handbook.pdf"
SECURITY = "security-policy.docx"
FAQ = "lumen-grid-faq.html"
TRAVEL = "travel-policy.md"
HISTORY = "cooperative-history.txt"

ANSWERABLE: list[tuple[str, str]] = [
    ("How much holiday do I get each year?", HANDBOOK),
    ("Can I save unused vacation days for next year?", HANDBOOK),
    ("How long can a new mum or dad stay home on full pay?", HANDBOOK),
    ("Is it OK to work from my kitchen table a few days a week?", HANDBOOK),
    ("What's the deadline for handing in receipts after I buy something for work?", HANDBOOK),
    ("Who has to sign off a big purchase before I make it?", HANDBOOK),
    ("I'm ill, by what time do I have to let someone know?", HANDBOOK),
    ("After how many days off sick do I need a doctor's note?", HANDBOOK),
    ("How many hours is a normal work week?", HANDBOOK),
    ("When do I have to be available during the day?", HANDBOOK),
    ("How long is the trial period when I start?", HANDBOOK),
    ("How much notice do I have to give if I want to quit?", HANDBOOK),
    ("Do I get paid extra for working late?", HANDBOOK),
    ("How much money can I spend on courses and conferences?", HANDBOOK),
    ("Will the co-op give me money for a desk at home?", HANDBOOK),
    ("How much does the employer put into my retirement savings?", HANDBOOK),
    ("Is there help paying for my bus pass?", HANDBOOK),
    ("Who do I email with questions about the staff rules?", HANDBOOK),
    ("Can the glassblowers in the workshop do home office?", HANDBOOK),
    ("Do adoptive parents also get paid time off for a new child?", HANDBOOK),
    ("My laptop was stolen, who do I tell and how fast?", SECURITY),
    ("How long does my login password have to be?", SECURITY),
    ("Can I use text message codes for two-step login?", SECURITY),
    ("I got a dodgy email asking for my bank details, what do I do with it?", SECURITY),
    ("How often do we back up customer records?", SECURITY),
    ("How long are old design files kept in backups?", SECURITY),
    ("Are work laptops backed up, and for how long are the copies kept?", SECURITY),
    ("After how long does my screen lock itself?", SECURITY),
    ("Do laptop hard drives need to be encrypted?", SECURITY),
    ("Can I put a program I downloaded from the internet on my work computer?", SECURITY),
    ("Am I allowed to copy files to a thumb drive?", SECURITY),
    ("Which wireless network should my work phone join?", SECURITY),
    ("Do guests need someone with them in the workshop?", SECURITY),
    ("When is the yearly security training?", SECURITY),
    ("How fast does the security team respond to a reported incident?", SECURITY),
    ("What phone extension do I ring to report a lost phone?", SECURITY),
    ("How many kilowatt hours can the home battery hold?", FAQ),
    ("How long is the battery guaranteed for?", FAQ),
    ("Can I put the battery outside in the cold?", FAQ),
    ("What number do I call for help with my battery?", FAQ),
    ("Is the helpline open on weekends?", FAQ),
    ("How long does it take to fully recharge the battery?", FAQ),
    ("How heavy is the battery unit?", FAQ),
    ("Can I hook up several batteries together?", FAQ),
    ("Will my fridge keep running during a blackout?", FAQ),
    ("Can I send the battery back if I change my mind?", FAQ),
    ("Is there a phone app to check the battery?", FAQ),
    ("How much power can the battery deliver at once?", FAQ),
    ("Can I mount the battery on the wall myself?", FAQ),
    ("Can I fly business class to a meeting four hours away?", TRAVEL),
    ("When should I take the train instead of flying?", TRAVEL),
    ("Will I get my cab paid if I land late at night?", TRAVEL),
    ("What's the most I can spend on a hotel in another country?", TRAVEL),
    ("How much do I get for food per day on a work trip?", TRAVEL),
    ("Can I hire a car for a client visit?", TRAVEL),
    ("What do I get paid per km when I drive my own car?", TRAVEL),
    ("How far in advance do I need to book trips?", TRAVEL),
    ("Am I insured when travelling for work?", TRAVEL),
    ("Can I keep frequent flyer miles from work trips?", TRAVEL),
    ("How much can a hotel cost per night here in Norway?", TRAVEL),
    ("Who started the co-op and when?", HISTORY),
    ("When is the yearly members' meeting?", HISTORY),
    ("How many members does the co-op have now?", HISTORY),
    ("When did the Bergen shop open?", HISTORY),
    ("What was the first lantern the co-op sold?", HISTORY),
    ("Who designed the logo?", HISTORY),
    ("Who is the chair of the board?", HISTORY),
    ("How many kilns are there in the Tromso workshop?", HISTORY),
    ("How long do board members serve?", HISTORY),
]

# The first gate's questions, close to the documents' own words; kept so that nothing it caught slips through.
DOCUMENT_WORDS: list[tuple[str, str]] = [
    ("How many days of paid annual leave do employees get?", "employee-handbook.pdf"),
    ("How long is parental leave paid at full salary?", "employee-handbook.pdf"),
    ("How many days a week can staff work from home?", "employee-handbook.pdf"),
    ("Within how many days must expense claims be submitted?", "employee-handbook.pdf"),
    ("When do I need a doctor's note for sick leave?", "employee-handbook.pdf"),
    ("What is the minimum password length?", "security-policy.docx"),
    ("How quickly must a lost laptop be reported?", "security-policy.docx"),
    ("Where should I forward a suspected phishing email?", "security-policy.docx"),
    ("How often is the customer database backed up?", "security-policy.docx"),
    ("How much energy does the Lumen Grid battery store?", "lumen-grid-faq.html"),
    ("What warranty does the home battery come with?", "lumen-grid-faq.html"),
    ("When can I call product support?", "lumen-grid-faq.html"),
    ("Can I book business class for a four-hour flight?", "travel-policy.md"),
    ("What is the maximum hotel price per night abroad?", "travel-policy.md"),
    ("How much is the daily meal allowance when travelling?", "travel-policy.md"),
    ("Who founded the cooperative, and in which year?", "cooperative-history.txt"),
    ("When is the annual general meeting held?", "cooperative-history.txt"),
]

UNCOVERED: list[str] = [
    "How much does the Lumen Grid battery cost?",
    "What is the price of the Polar One lantern?",
    "Does the co-op give staff a company car?",
    "How many days of bereavement leave do I get?",
    "What is the dress code in the showroom?",
    "Can I bring my dog to the office?",
    "What is the policy on personal social media use at work?",
    "How do I reset my email password?",
    "What is the VPN address for remote access?",
    "How much is the yearly membership fee of the cooperative?",
    "What is the salary range for a glassblower?",
    "Does the Lumen Grid come in different colours?",
    "How do I book a meeting room?",
    "What is the parking policy for staff?",
    "When is the office Christmas party?",
    "Does the cooperative pay for a gym membership?",
    "When does the staff canteen open for lunch?",
    "How many employees work in the Bergen showroom?",
    "What is the fire evacuation procedure?",
    "How much does shipping a Lumen Grid to Sweden cost?",
    "What is the capital of Peru?",
    "How do I bake sourdough bread?",
]

# For each answerable question, the fact that answers it, as the document words it (short, so that an answer that
# paraphrases around it still carries it): the gate checks that it reaches the context, not only that some passage
# of the right document does, and evaluate_answers that the answer states it with a citation of that document.
ANSWER_PHRASES: dict[str, str] = {
    "How much holiday do I get each year?": "27 days",
    "Can I save unused vacation days for next year?": "Up to 5 unused days",
    "How long can a new mum or dad stay home on full pay?": "20 weeks",
    "Is it OK to work from my kitchen table a few days a week?": "3 days per week",
    "What's the deadline for handing in receipts after I buy something for work?": "within 30 days",
    "Who has to sign off a big purchase before I make it?": "finance office",
    "I'm ill, by what time do I have to let someone know?": "09:00",
    "After how many days off sick do I need a doctor's note?": "fourth day",
    "How many hours is a normal work week?": "37.5 hours",
    "When do I have to be available during the day?": "10:00 to 15:00",
    "How long is the trial period when I start?": "six months",
    "How much notice do I have to give if I want to quit?": "three months",
    "Do I get paid extra for working late?": "140 percent",
    "How much money can I spend on courses and conferences?": "8,000 NOK",
    "Will the co-op give me money for a desk at home?": "3,000 NOK",
    "How much does the employer put into my retirement savings?": "6 percent",
    "Is there help paying for my bus pass?": "300 NOK",
    "Who do I email with questions about the staff rules?": "people@halvorsen-lantern.example",
    "Can the glassblowers in the workshop do home office?": "works on site",
    "Do adoptive parents also get paid time off for a new child?": "adoptive parents",
    "My laptop was stolen, who do I tell and how fast?": "1 hour",
    "How long does my login password have to be?": "14 characters",
    "Can I use text message codes for two-step login?": "not accepted",
    "I got a dodgy email asking for my bank details, what do I do with it?": "phishing@halvorsen-lantern.example",
    "How often do we back up customer records?": "Every hour",
    "How long are old design files kept in backups?": "7 years",
    "Are work laptops backed up, and for how long are the copies kept?": "30 days",
    "After how long does my screen lock itself?": "5 minutes",
    "Do laptop hard drives need to be encrypted?": "full-disk encryption",
    "Can I put a program I downloaded from the internet on my work computer?": "company portal",
    "Am I allowed to copy files to a thumb drive?": "must not be used",
    "Which wireless network should my work phone join?": "Lantern-Staff",
    "Do guests need someone with them in the workshop?": "escorted",
    "When is the yearly security training?": "January",
    "How fast does the security team respond to a reported incident?": "4 hours",
    "What phone extension do I ring to report a lost phone?": "4040",
    "How many kilowatt hours can the home battery hold?": "12 kWh",
    "How long is the battery guaranteed for?": "10-year",
    "Can I put the battery outside in the cold?": "minus 20",
    "What number do I call for help with my battery?": "+47 555 01 234",
    "Is the helpline open on weekends?": "every day of the week",
    "How long does it take to fully recharge the battery?": "4 hours",
    "How heavy is the battery unit?": "118 kg",
    "Can I hook up several batteries together?": "Up to three",
    "Will my fridge keep running during a blackout?": "fridge",
    "Can I send the battery back if I change my mind?": "within 30 days",
    "Is there a phone app to check the battery?": "Android",
    "How much power can the battery deliver at once?": "5 kW",
    "Can I mount the battery on the wall myself?": "certified installers",
    "Can I fly business class to a meeting four hours away?": "economy",
    "When should I take the train instead of flying?": "8 hours",
    "Will I get my cab paid if I land late at night?": "after 23:00",
    "What's the most I can spend on a hotel in another country?": "160 EUR",
    "How much do I get for food per day on a work trip?": "450 NOK",
    "Can I hire a car for a client visit?": "need approval",
    "What do I get paid per km when I drive my own car?": "4.50 NOK",
    "How far in advance do I need to book trips?": "14 days",
    "Am I insured when travelling for work?": "insurance covers",
    "Can I keep frequent flyer miles from work trips?": "private use",
    "How much can a hotel cost per night here in Norway?": "1,600 NOK",
    "Who started the co-op and when?": "1987",
    "When is the yearly members' meeting?": "first Saturday of June",
    "How many members does the co-op have now?": "142 members",
    "When did the Bergen shop open?": "2004",
    "What was the first lantern the co-op sold?": "Polar One",
    "Who designed the logo?": "Sigrid Moen",
    "Who is the chair of the board?": "Jonas Berg",
    "How many kilns are there in the Tromso workshop?": "six glass kilns",
    "How long do board members serve?": "two years",
}


def demo_question_set() -> QuestionSet:
    """The gate's answerable and uncovered questions in the shared question-set shape (retrieval.questionsets)."""
    return QuestionSet(
        [Answerable(question, document, ANSWER_PHRASES[question]) for question, document in ANSWERABLE],
        list(UNCOVERED),
    )


if __name__ == "__main__":  # python -m demo.questions: write the gate's questions as a question-set file
    import json
    from pathlib import Path

    out = Path(__file__).resolve().parent / "gate-questions.json"
    out.write_text(json.dumps(demo_question_set().as_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {out}")
