"""How common a name part is among people in general, for the screening engine.

A small built-in table of the most common given names and surnames, in three tiers by
approximate share of the population that carries them (tier 1 about 1 %, tier 2 about
0.3 %, tier 3 about 0.1 %). It was written for this project from public top-name statistics:
the US Census Bureau's 2010 surname table and the Social Security Administration's
given-name counts (US government works, public domain), the UK Office for National
Statistics' baby-name tables, and the widely published most-common-surname rankings for
China, India, Korea, Vietnam, Russia, the Arabic-speaking countries, Iran, Turkey, Germany,
France, Spain and Latin America. Only the names and a coarse tier are kept, no counts and
no copied dataset.

The lists themselves are the other half of the picture: `index.py` counts how many listed
entries carry each token and the engine takes whichever is more common. The matcher uses
"how common" to stop a common first + last name (Mohammed Ali, John Smith) from flagging
against a longer listed name that merely contains it, unless date of birth or country
support the match.
"""

from __future__ import annotations

from compliance.screening.normalise import prepare_name

TIER_SHARE = {1: 0.01, 2: 0.003, 3: 0.001}

_GIVEN = {
    1: """
    mohammed muhammad mohamed mohammad muhamad mohamad ahmed ahmad ali
    john james robert michael william david richard joseph thomas charles mary maria
    jose juan carlos luis wei jing li ying
    alexander aleksandr sergey sergei andrey andrei vladimir dmitry dmitriy ivan elena olga
    nguyen abdullah abdlah hassan hussein husain
    """,
    2: """
    christopher daniel matthew anthony mark donald steven paul andrew joshua kenneth kevin
    brian george timothy ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan
    stephen larry justin scott brandon benjamin samuel gregory frank alexander raymond
    patrick jack dennis jerry tyler aaron henry peter adam nathan zachary douglas walter
    emma olivia sophia sophie ava isabella mia amelia charlotte emily grace chloe lily ella
    noah liam oliver lucas ethan mason logan elijah leo harry jacob william luca luke
    patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty
    margaret sandra ashley kimberly emily donna michelle carol amanda dorothy melissa
    deborah stephanie rebecca sharon laura cynthia kathleen amy angela helen anna
    antonio manuel francisco jesus pedro miguel javier fernando jorge alejandro rafael
    ana carmen rosa isabel laura lucia
    mahmoud mahmud omar umar khalid khaled ibrahim yusuf youssef yousef abdul abdel abd
    mustafa mostafa hamid hamed hasan husayn hossein reza mehdi amir said saeed
    fatima fatma aisha ayesha zainab maryam
    mikhail nikolai nikolay alexey aleksey aleksei yuri yury oleg igor pavel viktor victor
    natalia natalya tatiana tatyana irina svetlana anastasia
    raj ravi sanjay amit rahul suresh ramesh vijay anil sunil priya
    wang zhang ming hui yan hong jun lei
    yong song chol chon chun il nam su un hyok myong kwang sok ho hui sun jin jong gyong
    kyong hak chang sang min hyon yon ung chan sung young hyun ji jae seung eun
    mehmet mustafa ahmet hasan huseyin ibrahim ayse fatma emine hatice zeynep elif
    hans peter klaus thomas michael stefan jean pierre michel philippe alain
    """,
    3: """
    abdulaziz abdulrahman abdrahman abdaziz abdkarim abdkader abdqadir abdrahim abdsalam
    abdhamid abdmajid abdwahab abdlatif abdhadi abdjabar abdnasir abdrazak abdghani
    osama usama hamza hamzah yasin yassin tariq tarek karim kareem nasser nasir jamal
    salah saleh salih adel adil faisal fahd sultan majid bilal anwar jafar jaafar rashid
    hamad hamid zaid zayd walid waleed samir sami nabil imad emad fadi rami rami kamal
    ismail ismael yahya younis yunus musa moussa isa issa suleiman sulaiman idris ayman
    abu bakr jihad ziad ziyad kassem qasim qassim nour noor
    ali reza mohsen morteza mojtaba javad jawad ahmadreza hosein hossain
    akbar asghar mir
    """,
}

_SURNAMES = {
    1: """
    smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez
    lopez gonzalez wang li zhang liu chen yang huang zhao wu zhou nguyen kim lee park
    singh kumar khan ali ahmed mohammed muhammad hassan hussein ivanov smirnov silva
    santos devi
    """,
    2: """
    wilson anderson thomas taylor moore jackson martin thompson white harris sanchez clark
    ramirez lewis robinson walker young allen king wright scott torres hill flores green
    adams nelson baker hall rivera campbell mitchell carter roberts
    perez gomez diaz fernandez alvarez romero ruiz jimenez moreno munoz alonso gutierrez
    castillo vargas ramos reyes cruz morales ortiz mendoza herrera medina castro
    xu sun ma zhu hu guo he lin gao luo zheng liang xie song tang han feng deng cao
    tran le pham hoang phan vu vo dang bui do ho ngo duong ly
    choi jung kang cho yoon jang lim
    ri pak choe
    sharma patel shah gupta verma reddy rao yadav das
    kuznetsov popov vasiliev petrov sokolov mikhailov novikov fedorov morozov volkov
    alekseev lebedev semenov egorov pavlov kozlov stepanov nikolaev orlov andreev
    ivanova smirnova kuznetsova popova petrova
    ibrahim abdullah abdlah mahmoud omar saleh salih khalil hamid hasan husain
    yilmaz kaya demir sahin celik yildiz yildirim ozturk aydin ozdemir arslan dogan
    muller schmidt schneider fischer weber meyer wagner becker schulz hoffmann
    martin bernard dubois thomas robert richard petit durand leroy moreau
    rossi russo ferrari esposito bianchi romano colombo ricci
    hosseini mohammadi ahmadi rezaei moradi karimi jafari rahimi hashemi
    """,
    3: """
    murphy kelly sullivan walsh obrien byrne ryan oconnor
    evans edwards collins stewart morris rogers reed cook morgan bell murray
    cooper richardson cox howard ward peterson gray james watson brooks bennett wood
    barnes ross henderson coleman jenkins perry powell long patterson hughes price
    rahman hossain islam uddin akter begum chowdhury
    aziz karim rashid hamdan saeed nasser yousef youssef mansour haddad
    qureshi siddiqui malik butt chaudhry iqbal
    tan lim ng wong chan cheung lau leung
    ri rim pak choe jon ko mun o so sin yun kwon hwang ahn an jo ryu han
    kowalski nowak wisniewski wojcik kowalczyk
    sato suzuki takahashi tanaka watanabe ito yamamoto nakamura kobayashi
    shevchenko bondarenko kovalenko boyko tkachenko kravchenko
    """,
}


def _tokens(text: str) -> list[str]:
    # The table goes through the same normalisation as names do (abd-joining and all).
    return [t for word in text.split() for t in prepare_name(word, organisation=False).tokens]


def _build() -> dict[str, float]:
    share: dict[str, float] = {}
    for table in (_GIVEN, _SURNAMES):
        for tier, text in table.items():
            for token in _tokens(text):
                share[token] = max(share.get(token, 0.0), TIER_SHARE[tier])
    return share


# token -> approximate share of people who carry it (as a given name or a surname)
POPULATION_SHARE: dict[str, float] = _build()
